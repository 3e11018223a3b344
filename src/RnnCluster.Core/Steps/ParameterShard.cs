using RnnCluster.Core.Kernels;
using RnnCluster.Core.Optim;

namespace RnnCluster.Core.Steps;

/// <summary>
/// One parameter-server shard's math: a block-aligned <see cref="Range"/> of the parameters and of
/// the optimizer state (<see cref="ShardRanges"/>), the fixed-order reduction of its slice of every
/// gradient, its blocks' sums of squares, and its slice of the update given the norm folded from
/// every shard's block sums:
///   for each shard k:  g_k = tree-sum of the micro-batches' slices over range k;  s_b for b in k
///   ‖g‖² = fold(s_0 … s_{B−1});  θ_k = optimizer(θ_k, clip(g_k, ‖g‖), step)
/// The stitched slices are the bytes of <see cref="ReferenceTrainer"/> for any shard count.
/// </summary>
public sealed class ParameterShard : IDisposable
{
    private readonly TreeReducer _reducer;
    private readonly Optimizer _optimizer;

    /// <param name="wholeParts">The model's gradient parts (<see cref="GradientParts.For"/>); the shard takes its overlap.</param>
    /// <param name="parameters">The whole parameter buffer; the shard copies its range.</param>
    /// <param name="optimizerState">The whole optimizer state; the shard copies its range of every section.</param>
    public ParameterShard(TrainingSettings settings, GradientParts wholeParts, GradientPart range, ReadOnlySpan<float> parameters, ReadOnlySpan<float> optimizerState, long step)
    {
        if (range.Offset % BlockNorm.BlockSize != 0)
            throw new ArgumentException($"A shard starts on a block boundary (a multiple of {BlockNorm.BlockSize}), not at {range.Offset}.", nameof(range));
        Range = range;
        Step = step;
        Parts = wholeParts.Within(range);
        _reducer = new TreeReducer(settings.MicroBatches, Parts);
        _optimizer = new Optimizer(settings.Optimizer, settings.Schedule, settings.ClipNorm, range.Length);
        Parameters = parameters.Slice(range.Offset, range.Length).ToArray();
        int sections = Optimizer.StateSizeFor(settings.Optimizer, parameters.Length) / Math.Max(1, parameters.Length);
        OptimizerState = new float[sections * range.Length];
        for (int s = 0; s < sections; s++)
            optimizerState.Slice(s * parameters.Length + range.Offset, range.Length).CopyTo(OptimizerState.AsSpan(s * range.Length));
    }

    /// <summary>The shard's values of the flat buffer.</summary>
    public GradientPart Range { get; }

    /// <summary>The gradient parts as this shard receives them, offsets relative to <see cref="Range"/>.</summary>
    public GradientParts Parts { get; }

    public float[] Parameters { get; }

    /// <summary>The shard's slice of every optimizer-state section, section after section.</summary>
    public float[] OptimizerState { get; }

    /// <summary>Updates applied; the next is for step <see cref="Step"/>.</summary>
    public long Step { get; private set; }

    /// <summary>The threads the shard's sums and update run on; the bytes do not depend on them.</summary>
    public BlockParallel Parallel
    {
        get => _optimizer.Parallel;
        set => _optimizer.Parallel = _reducer.Parallel = value;
    }

    /// <summary>True when every micro-batch's slice is in.</summary>
    public bool IsComplete => _reducer.IsComplete;

    /// <summary>Micro-batch <paramref name="microBatch"/>'s slice is in (every part of it).</summary>
    public bool HasReceived(int microBatch) => _reducer.HasReceived(microBatch);

    /// <summary>Time spent summing this step's slices so far.</summary>
    public double ReduceMs { get; private set; }

    /// <summary>The first block of the whole buffer this shard holds.</summary>
    public int FirstBlock => Range.Offset / BlockNorm.BlockSize;

    public int BlockCount => BlockNorm.BlockCount(Range.Length);

    /// <summary>Node [lo, hi)'s sum over [offset, offset + values.Length) of this shard's range (whole parts of <see cref="Parts"/>).</summary>
    public ReduceResult Offer(TreeNode node, int offset, ReadOnlySpan<float> values)
    {
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        var result = _reducer.Add(node, offset, values);
        ReduceMs += System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        return result;
    }

    /// <summary>s_b of the shard's blocks, for the others to fold; only when <see cref="IsComplete"/>.</summary>
    public void BlockSums(Span<double> sums) => BlockNorm.BlockSums(_reducer.Result, sums, Parallel);

    /// <summary>Applies step <see cref="Step"/> to the shard's slice given ‖g‖² of the whole gradient; then the next step's gradients may come.</summary>
    public UpdateResult Apply(double sumOfSquares)
    {
        var result = _optimizer.ApplySlice(Parameters, _reducer.MutableResult, OptimizerState, Step, sumOfSquares);
        Step++;
        Reset();
        return result;
    }

    /// <summary>Forgets the step's slices (a step refused as a whole is computed again).</summary>
    public void Reset()
    {
        _reducer.Reset();
        ReduceMs = 0;
    }

    public void Dispose() => _reducer.Dispose();
}
