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
        Parts = GradientParts.For(_computer.Layout);
        _reducer = new TreeReducer(settings.MicroBatches, Parts);
        _gradient = new float[_computer.Layout.TotalSize];
        Settings = settings;
    }

    public TrainingSettings Settings { get; }

    public ParameterLayout Layout => _computer.Layout;

    public void SetParameters(ReadOnlySpan<float> parameters) => _computer.SetParameters(parameters);

    /// <summary>The parts a gradient is handed over in when <see cref="Compute"/> streams.</summary>
    public GradientParts Parts { get; }

    /// <param name="onPart">
    /// Receives each finished piece of a sub-tree: its node, the first parameter index it covers,
    /// its values (valid only during the call) and the sub-tree's loss. Without streaming a piece is
    /// the whole gradient; with it, one call per <see cref="Parts">part</see>, the part at offset 0
    /// last.
    /// </param>
    /// <param name="shouldStop">Checked between micro-batches and parts; true abandons the rest of the share.</param>
    /// <param name="stream">
    /// Hand each part of a sub-tree over as soon as backpropagation has finished it (synchronous
    /// mode), instead of the whole gradient at the end: the transfer and the reduction of the top
    /// layers then overlap the backward pass of the bottom ones.
    /// </param>
    public void Compute(long step, IReadOnlyCollection<int> microBatches, Action<TreeNode, int, ReadOnlySpan<float>, MicroBatchLoss> onPart,
        Func<bool>? shouldStop = null, bool stream = false)
    {
        _reducer.Reset();
        foreach (var node in ReductionTree.Cover(microBatches, Settings.MicroBatches))
        {
            double loss = 0;
            int tokens = 0;
            for (int m = node.Lo; m < node.Hi; m++)
            {
                if (shouldStop?.Invoke() == true)
                    return;
                var leaf = new TreeNode(m, m + 1);
                bool last = m == node.Hi - 1;
                // Parts are handed over from the last micro-batch of a sub-tree only: before it, no part of the sum is final.
                int next = Parts.Count - 1; // parts go out from the top of the buffer down
                bool stopped = false;
                void HandOver(int finalFrom)
                {
                    for (; next >= 0 && Parts.InLayoutOrder[next].Offset >= finalFrom && !stopped; next--)
                    {
                        if (shouldStop?.Invoke() == true)
                        {
                            stopped = true;
                            return;
                        }
                        var part = Parts.InLayoutOrder[next];
                        // The loss is only known at the end of the micro-batch; it travels with the part at offset 0.
                        var partLoss = part.Offset == 0 ? new MicroBatchLoss(loss, tokens) : default;
                        if (node.IsLeaf)
                        {
                            onPart(node, part.Offset, _gradient.AsSpan(part.Offset, part.Length), partLoss);
                            continue;
                        }
                        _reducer.Add(leaf, part.Offset, _gradient.AsSpan(part.Offset, part.Length));
                        onPart(node, part.Offset, _reducer.PendingPartSum(node, next), partLoss);
                    }
                }
                var result = _computer.Compute(step, m, _gradient, stream && last && Parts.Count > 1 ? HandOver : null);
                loss += result.Sum;
                tokens += result.Tokens;
                if (stopped)
                    return;
                if (!last)
                {
                    _reducer.Add(leaf, _gradient);
                    continue;
                }
                if (stream)
                {
                    HandOver(0);
                    if (stopped)
                        return;
                    continue;
                }
                if (node.IsLeaf)
                    onPart(node, 0, _gradient, new MicroBatchLoss(loss, tokens));
                else
                {
                    _reducer.Add(leaf, _gradient);
                    onPart(node, 0, _reducer.PendingSum(node), new MicroBatchLoss(loss, tokens));
                }
            }
        }
    }

    public void Dispose()
    {
        _computer.Dispose();
        _reducer.Dispose();
    }
}
