using Akka.Event;
using RnnCluster.Core.Kernels;
using RnnCluster.Core.Model;
using RnnCluster.Core.Optim;
using RnnCluster.Core.Steps;
using RnnCluster.Training.Coordinator;
using RnnCluster.Training.Wire;
using RnnCluster.Training.Worker;

namespace RnnCluster.Training.ParameterServer;

/// <summary>
/// One parameter-server shard of a synchronous run as a plain object: its range of the parameters
/// and optimizer state (<see cref="ParameterShard"/>, the math), the checks every slice of a
/// gradient passes, and which workers wait for which version. Shard k takes the values
/// [range.Offset, range.Offset + range.Length) of every gradient part; the shards exchange their
/// block sums and each folds all of them (<see cref="NormExchange"/>) before it applies its range.
/// </summary>
public sealed class ShardState<TWorker> : IDisposable where TWorker : notnull
{
    private readonly string _runId;
    private readonly ParameterShard _shard;
    private readonly Dictionary<TWorker, long> _waiting = new();
    private readonly int _microBatches, _totalLength;
    private readonly PublishedParameters _published = new(); // the current version's slice, shared by its recipients
    private readonly NormExchange _norms;
    private double _lossSum, _reduceMs;
    private int _tokens, _attempt;
    private bool _reported;

    public ShardState(StartShard start, BlockParallel? threads = null)
    {
        _runId = start.RunId;
        Index = start.Index;
        Count = start.Count;
        var model = start.Definition.Model.ToModel();
        var settings = start.Definition.Settings.ToSettings();
        var layout = new ParameterLayout(model);
        _totalLength = layout.TotalSize;
        _microBatches = settings.MicroBatches;
        var state = start.State.Floats;
        Range = ShardRanges.For(_totalLength, Count)[Index];
        _shard = new ParameterShard(settings, GradientParts.For(layout), Range, state[.._totalLength], state[_totalLength..], start.Step);
        _norms = new NormExchange(_totalLength, Count);
        if (threads is not null)
            _shard.Parallel = threads;
    }

    public int Index { get; }

    public int Count { get; }

    public GradientPart Range { get; }

    /// <summary>The version this shard holds; the next update is for this step.</summary>
    public long Version => _shard.Step;

    public int[] Missing(long step) =>
        step == Version ? Enumerable.Range(0, _microBatches).Where(m => !_shard.HasReceived(m)).ToArray() : [];

    /// <summary>A worker asks for <paramref name="version"/>: true to send this shard's slice now, false once it is applied.</summary>
    public bool Request(TWorker worker, long version)
    {
        if (version <= Version)
            return true;
        _waiting[worker] = version;
        return false;
    }

    /// <summary>This shard's slice of the current version, one share for one recipient.</summary>
    public ParameterSlice Slice() => new(_runId, Version, Index, Count, Range.Offset, _totalLength, _published.For(Version, _shard.Parameters));

    /// <summary>The shard's parameters and optimizer-state slices, for a checkpoint of the current version.</summary>
    public ShardCollected Collect()
    {
        var state = TensorBlob.Rent((_shard.Parameters.Length + _shard.OptimizerState.Length) * sizeof(float));
        var floats = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(state.Bytes);
        _shard.Parameters.CopyTo(floats);
        _shard.OptimizerState.CopyTo(floats[_shard.Parameters.Length..]);
        return new ShardCollected(_runId, Version, Index, state);
    }

    /// <summary>
    /// Takes a gradient's values that fall in this shard's range. The result says what to log, what
    /// to tell the coordinator (a refusal) and, once every micro-batch is in, the block sums for every
    /// shard and the run (this shard's own go to <see cref="Sums"/> too).
    /// </summary>
    public ShardOffer Offer(GradientComputed g)
    {
        if (g.Step < Version)
            return new($"shard {Index} ignores a stale gradient of step {g.Step} [{g.Lo},{g.Hi}) from worker {g.WorkerId}: the run is at step {Version}",
                g.Step == Version - 1 ? LogLevel.InfoLevel : LogLevel.WarningLevel);
        if (g.Step > Version)
            return new($"shard {Index}: gradient of step {g.Step} [{g.Lo},{g.Hi}) from {g.WorkerId} is ahead of its step {Version}; ignored");
        var values = g.Gradient.Floats;
        int relative = g.Offset - Range.Offset;
        var node = new TreeNode(g.Lo, g.Hi);
        string? problem =
            g.Gradient.Length % sizeof(float) != 0 ? $"a gradient of {g.Gradient.Length} bytes is not a whole number of floats"
            : !ReductionTree.IsNode(node, _microBatches) ? $"{node} is not an aligned sub-tree of the reduction over {_microBatches} micro-batches"
            : relative < 0 || _shard.Parts.Span(relative, values.Length) is null ? $"gradient values [{g.Offset},{(long)g.Offset + values.Length}) are not whole parts of shard {Index}'s range [{Range.Offset},{Range.Offset + Range.Length})"
            : !FiniteCheck.All(values) ? "the gradient holds NaN or infinite values"
            : !double.IsFinite(g.LossSum) ? $"the loss is {g.LossSum}"
            : null;
        if (problem is not null)
            return new($"shard {Index} refused the gradient of step {g.Step} [{g.Lo},{g.Hi}) from worker {g.WorkerId}: {problem}", LogLevel.WarningLevel, Refusal(g, problem));
        var result = _shard.Offer(node, relative, values);
        if (result.AddedFirstPart)
        {
            _lossSum += g.LossSum;
            _tokens += g.Tokens;
        }
        var offer = result.Added == 0 || result.Overlaps > 0
            ? new ShardOffer($"shard {Index}: gradient of step {g.Step} [{g.Lo},{g.Hi}) from {g.WorkerId} overlaps micro-batches already received; refused",
                LogLevel.InfoLevel, Refusal(g, GradientRefusals.Overlap))
            : ShardOffer.Nothing;
        if (!_shard.IsComplete || _reported)
            return offer;
        _reported = true;
        var sums = new double[_shard.BlockCount];
        _shard.BlockSums(sums);
        _reduceMs = _shard.ReduceMs;
        return offer with { Reduced = new ShardReduced(_runId, Version, Index, _shard.FirstBlock, sums, _attempt) };
    }

    /// <summary>
    /// Takes a shard's block sums of the current step (this shard's own too). Once every shard's are
    /// in, applies the step with the folded ‖g‖², or forgets it when that is not finite (the run
    /// refuses the step; every shard forgets it alike). Returns null while sums are missing, else what
    /// to tell the run (null when forgotten) and which workers get the new slice.
    /// </summary>
    public (ShardApplied? Applied, IReadOnlyList<TWorker> Publish)? Sums(ShardReduced sums)
    {
        if (_norms.Offer(sums, Version, _attempt) is not { } sumOfSquares || !_reported)
            return null;
        var (step, lossSum, tokens, reduceMs) = (Version, _lossSum, _tokens, _reduceMs);
        ResetStep();
        if (!double.IsFinite(sumOfSquares))
        {
            _shard.Reset();
            _attempt++;
            return (null, []);
        }
        _attempt = 0;
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        var update = _shard.Apply(sumOfSquares);
        bool diverged = !FiniteCheck.All(_shard.Parameters);
        var applied = new ShardApplied(_runId, step, Index, update.GradientNorm, update.LearningRate,
            System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds, diverged, lossSum, tokens, reduceMs);
        var waiters = _waiting.Where(w => w.Value <= Version).Select(w => w.Key).ToList();
        foreach (var worker in waiters)
            _waiting.Remove(worker);
        return (applied, diverged ? [] : waiters);
    }

    private void ResetStep()
    {
        (_lossSum, _tokens, _reduceMs) = (0, 0, 0);
        _reported = false;
    }

    private GradientRefused Refusal(GradientComputed g, string reason) => new(_runId, g.Step, g.Lo, g.Hi, g.WorkerId, reason);

    public void Dispose()
    {
        _published.Dispose();
        _shard.Dispose();
    }
}
