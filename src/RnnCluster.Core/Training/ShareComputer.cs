using RnnCluster.Core.Model;
using RnnCluster.Core.Optim;

namespace RnnCluster.Core.Training;

/// <summary>
/// A worker's share of a step: computes the assigned micro-batches and pre-reduces them into the
/// largest aligned sub-trees of the fixed reduction order (<see cref="ReductionTree.Cover"/>),
/// handing each sub-tree over as soon as its last leaf is done, so the parameter server's final
/// sum has exactly the bytes of the reference. One instance per thread.
/// </summary>
public sealed class ShareComputer : IDisposable
{
    private readonly GradientComputer _computer;
    private readonly TreeReducer _reducer;
    private readonly float[] _gradient;

    public ShareComputer(ModelDescription model, TrainingSettings settings, ReadOnlyMemory<int> trainTokens)
    {
        _computer = new GradientComputer(model, settings, trainTokens);
        _reducer = new TreeReducer(settings.MicroBatches, _computer.Layout.TotalSize);
        _gradient = new float[_computer.Layout.TotalSize];
        Settings = settings;
    }

    public TrainingSettings Settings { get; }

    public ParameterLayout Layout => _computer.Layout;

    public void SetParameters(ReadOnlySpan<float> parameters) => _computer.SetParameters(parameters);

    /// <param name="onSubtree">Receives each finished sub-tree: its node, its gradient sum (valid only during the call) and its loss.</param>
    /// <param name="shouldStop">Checked between micro-batches; true abandons the rest of the share.</param>
    public void Compute(long step, IReadOnlyCollection<int> microBatches, Action<TreeNode, ReadOnlySpan<float>, MicroBatchLoss> onSubtree,
        Func<bool>? shouldStop = null)
    {
        _reducer.Reset();
        foreach (var node in ReductionTree.Cover(microBatches, Settings.MicroBatches))
        {
            if (node.IsLeaf)
            {
                // A single micro-batch is its own sub-tree: hand its gradient over as it is.
                if (shouldStop?.Invoke() == true)
                    return;
                var leaf = _computer.Compute(step, node.Lo, _gradient);
                onSubtree(node, _gradient, leaf);
                continue;
            }
            double loss = 0;
            int tokens = 0;
            for (int m = node.Lo; m < node.Hi; m++)
            {
                if (shouldStop?.Invoke() == true)
                    return;
                var result = _computer.Compute(step, m, _gradient);
                loss += result.Sum;
                tokens += result.Tokens;
                _reducer.Add(new TreeNode(m, m + 1), _gradient);
            }
            onSubtree(node, _reducer.PendingSum(node), new MicroBatchLoss(loss, tokens));
        }
    }

    public void Dispose()
    {
        _computer.Dispose();
        _reducer.Dispose();
    }
}
