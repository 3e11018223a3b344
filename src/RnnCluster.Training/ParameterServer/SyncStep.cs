using System.Diagnostics;
using RnnCluster.Core.Kernels;
using RnnCluster.Core.Steps;

namespace RnnCluster.Training.ParameterServer;

/// <summary>
/// The gradients of one synchronous step as they come in: each is checked (an aligned sub-tree of
/// the reduction, whole parts of the parameter buffer, finite), summed in the fixed tree order by
/// <see cref="TreeReducer"/>, and counted once — its loss, tokens and ledger entry with the part at
/// offset 0, which a worker sends last. A worker that died between two parts of a share leaves
/// some parts in; the share's re-run brings them again, and they are ignored as duplicates.
/// </summary>
public sealed class SyncStep(int microBatches, GradientParts parts, BlockParallel? threads = null) : IDisposable
{
    private readonly TreeReducer _reducer = new(microBatches, parts) { Parallel = threads ?? BlockParallel.Sequential };
    private readonly List<LedgerEntry> _ledger = new();
    private double _lossSum;
    private int _tokens;

    /// <summary>Time spent summing this step's gradients.</summary>
    public double ReduceMs { get; private set; }

    /// <summary>The mean loss per token over the step's micro-batches.</summary>
    public double Loss => _lossSum / Math.Max(1, _tokens);

    /// <summary>Who computed which sub-tree, in micro-batch order.</summary>
    public IReadOnlyList<LedgerEntry> Ledger => _ledger.OrderBy(e => e.Lo).ToList();

    /// <summary>The sum of all micro-batches' gradients; the optimizer may use it in place.</summary>
    public Span<float> Sum => _reducer.MutableResult;

    public int[] Missing() => Enumerable.Range(0, microBatches).Where(m => !_reducer.HasReceived(m)).ToArray();

    /// <summary>Takes one gradient (or one part of it): values [offset, offset + values.Length) of the sum of micro-batches [lo, hi).</summary>
    public GradientVerdict Offer(int lo, int hi, int offset, ReadOnlySpan<float> values, double lossSum, int tokens, string worker)
    {
        var node = new TreeNode(lo, hi);
        if (!ReductionTree.IsNode(node, microBatches))
            return GradientVerdict.Refused($"{node} is not an aligned sub-tree of the reduction over {microBatches} micro-batches");
        if (parts.Span(offset, values.Length) is null)
            return GradientVerdict.Refused($"gradient values [{offset},{(long)offset + values.Length}) are not whole parts ({parts}) of the model's gradient; the model has {parts.TotalSize}");
        if (!FiniteCheck.All(values))
            return GradientVerdict.Refused("the gradient holds NaN or infinite values");
        if (!double.IsFinite(lossSum))
            return GradientVerdict.Refused($"the loss is {lossSum}");
        long started = Stopwatch.GetTimestamp();
        var result = _reducer.Add(node, offset, values);
        ReduceMs += Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        if (result.AddedFirstPart)
        {
            _ledger.Add(new LedgerEntry(lo, hi, worker));
            _lossSum += lossSum;
            _tokens += tokens;
        }
        return new GradientVerdict(null, result.Added == 0 || result.Overlaps > 0, _reducer.IsComplete);
    }

    public void Reset()
    {
        _reducer.Reset();
        _ledger.Clear();
        _lossSum = 0;
        _tokens = 0;
        ReduceMs = 0;
    }

    public void Dispose() => _reducer.Dispose();
}
