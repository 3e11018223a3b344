using RnnCluster.Core.Model;
using RnnCluster.Core.Optim;

namespace RnnCluster.Core.Steps;

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
    private readonly GradientParts _whole;

    public ShareComputer(ModelDescription model, TrainingSettings settings, ReadOnlyMemory<int> trainTokens)
    {
        _computer = new GradientComputer(model, settings, trainTokens);
        Parts = GradientParts.For(_computer.Layout);
        _whole = GradientParts.Whole(_computer.Layout.TotalSize);
        _reducer = new TreeReducer(settings.MicroBatches, Parts);
        _gradient = new float[_computer.Layout.TotalSize];
        Settings = settings;
    }

    public TrainingSettings Settings { get; }

    /// <summary>
    /// Benchmark only (the scaling benchmark, `scripts/scaling-netns.sh`): when positive, each
    /// micro-batch waits this long instead of computing and yields <see cref="StandInGradient"/>, so
    /// that many worker processes on few cores measure the network and the server, not the CPU.
    /// </summary>
    public TimeSpan StandIn { get; init; }

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
        var parts = stream ? Parts : _whole;
        foreach (var node in ReductionTree.Cover(microBatches, Settings.MicroBatches))
        {
            double loss = 0;
            int tokens = 0;
            for (int m = node.Lo; m < node.Hi - 1; m++)
            {
                // Before the sub-tree's last micro-batch no part of its sum is final.
                if (shouldStop?.Invoke() == true)
                    return;
                var result = ComputeOne(step, m, null);
                loss += result.Sum;
                tokens += result.Tokens;
                _reducer.Add(new TreeNode(m, m + 1), _gradient);
            }
            if (shouldStop?.Invoke() == true)
                return;
            var handOver = new PartHandOver(this, parts, node, onPart, shouldStop);
            var last = ComputeOne(step, node.Hi - 1, parts.Count > 1 ? handOver.FinalFrom : null);
            // The loss is only known now; it travels with the part at offset 0, which is always the last to go.
            handOver.Loss = new MicroBatchLoss(loss + last.Sum, tokens + last.Tokens);
            handOver.FinalFrom(0);
            if (handOver.Stopped)
                return;
        }
    }

    private MicroBatchLoss ComputeOne(long step, int microBatch, Action<int>? gradientFinalFrom)
    {
        if (StandIn <= TimeSpan.Zero)
            return _computer.Compute(step, microBatch, _gradient, gradientFinalFrom);
        Thread.Sleep(StandIn);
        StandInGradient.Fill(_gradient, step, microBatch);
        int tokens = Settings.Batch / Settings.MicroBatches * Settings.SeqLen;
        return new MicroBatchLoss(tokens, tokens); // a loss of 1 nat per token; the parts go when the "computation" ends
    }

    /// <summary>Hands over the parts of one sub-tree, from the top of the buffer down, as they become final.</summary>
    private sealed class PartHandOver(ShareComputer owner, GradientParts parts, TreeNode node,
        Action<TreeNode, int, ReadOnlySpan<float>, MicroBatchLoss> onPart, Func<bool>? shouldStop)
    {
        private int _next = parts.Count - 1;

        public bool Stopped { get; private set; }

        public MicroBatchLoss Loss { get; set; }

        /// <summary>gradient[offset..] of the sub-tree's last micro-batch is final: send every part inside it not sent yet.</summary>
        public void FinalFrom(int offset)
        {
            for (; _next >= 0 && parts.InLayoutOrder[_next].Offset >= offset; _next--)
            {
                if (Stopped || shouldStop?.Invoke() == true)
                {
                    Stopped = true;
                    return;
                }
                var part = parts.InLayoutOrder[_next];
                ReadOnlySpan<float> values = owner._gradient.AsSpan(part.Offset, part.Length);
                if (!node.IsLeaf)
                {
                    owner._reducer.Add(new TreeNode(node.Hi - 1, node.Hi), part.Offset, values);
                    values = owner._reducer.PendingSum(node, part);
                }
                onPart(node, part.Offset, values, part.Offset == 0 ? Loss : default);
            }
        }
    }

    public void Dispose()
    {
        _computer.Dispose();
        _reducer.Dispose();
    }
}
