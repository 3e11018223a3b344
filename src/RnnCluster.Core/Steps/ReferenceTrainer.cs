using RnnCluster.Core.Model;
using RnnCluster.Core.Optim;

namespace RnnCluster.Core.Steps;

/// <summary>
/// The single-process definition of a training step, built from exactly the pieces the actor
/// system distributes — the sampler inside <see cref="GradientComputer"/>, the fixed
/// <see cref="TreeReducer"/> order, and <see cref="TrainingState.Apply"/>:
///   for m in 0..M−1:  g_m = gradient(θ_s, s, m)
///   g = tree-sum(g_0 … g_{M−1});  θ_{s+1} = optimizer(θ_s, clip(g), s)
/// Whatever the topology, the actor system must produce these bytes.
/// </summary>
public sealed class ReferenceTrainer : IDisposable
{
    private readonly GradientComputer _computer;
    private readonly TreeReducer _reducer;
    private readonly float[] _gradient;

    public ReferenceTrainer(TrainingState state, ReadOnlyMemory<int> trainTokens)
    {
        State = state;
        _computer = new GradientComputer(state.Model, state.Settings, trainTokens);
        _reducer = new TreeReducer(state.Settings.MicroBatches, state.Layout.TotalSize);
        _gradient = new float[state.Layout.TotalSize];
        _computer.SetParameters(state.Parameters);
    }

    public TrainingState State { get; }

    public StepReport Step()
    {
        long step = State.Step;
        double loss = 0;
        int tokens = 0;
        _reducer.Reset();
        for (int m = 0; m < State.Settings.MicroBatches; m++)
        {
            var result = _computer.Compute(step, m, _gradient);
            loss += result.Sum;
            tokens += result.Tokens;
            _reducer.Add(new TreeNode(m, m + 1), _gradient);
        }
        var update = State.ApplyInPlace(_reducer.MutableResult);
        _computer.SetParameters(State.Parameters);
        return new StepReport(step, loss / tokens, update);
    }

    public void Dispose()
    {
        _computer.Dispose();
        _reducer.Dispose();
    }
}
