using System.Runtime.InteropServices;
using RnnCluster.Core.Model;
using RnnCluster.Core.Optim;
using RnnCluster.Core.Steps;
using RnnCluster.Training.Coordinator;

namespace RnnCluster.Training.ParameterServer;

/// <summary>
/// The decisions of a run whose parameters are held by <see cref="Count"/> shards, as a plain
/// object: it folds the shards' block sums of each step into ‖g‖² in block order, as every shard
/// does (<see cref="NormExchange"/>), to report a step whose norm is not finite; turns the shards'
/// confirmations into the step the coordinator sees; and stitches the shards' ranges into the whole
/// state for a checkpoint.
/// </summary>
public sealed class ShardedRun(string runId, ModelDescription model, TrainingSettings settings, int count, long step)
{
    private readonly IReadOnlyList<GradientPart> _ranges = ShardRanges.For(new ParameterLayout(model).TotalSize, count);
    private readonly NormExchange _norms = new(new ParameterLayout(model).TotalSize, count); // the shards' fold, to see what they see
    private readonly HashSet<int> _applied = new();
    private readonly Dictionary<int, float[]> _collected = new();
    private ShardApplied? _lead; // shard 0's report: the step's loss travels with the parts at offset 0
    private double _reduceMs, _applyMs;
    private string? _diverged;

    public int Count => count;

    /// <summary>The version every shard holds.</summary>
    public long Version { get; private set; } = step;

    /// <summary>The version being collected for a checkpoint, or null.</summary>
    public long? Collecting { get; private set; }

    /// <summary>Starts collecting the current version: ask every shard (each answers before it applies the next step).</summary>
    public CollectShard Collect()
    {
        _collected.Clear();
        Collecting = Version;
        return new CollectShard(runId, Version);
    }

    /// <summary>
    /// One shard's block sums of the current step; when all are in and their fold is not finite, the
    /// refusal to report (every shard forgets the step by the same fold). Null otherwise.
    /// </summary>
    public GradientRefused? Reduced(ShardReduced reduced)
    {
        if (reduced.Step != Version || _norms.Offer(reduced, Version, reduced.Attempt) is not { } sumOfSquares)
            return null;
        double norm = Math.Sqrt(sumOfSquares);
        if (double.IsFinite(norm))
            return null;
        var e = new NonFiniteGradientException(Version, norm);
        return new GradientRefused(runId, Version, 0, settings.MicroBatches, "parameter-server", e.Message);
    }

    /// <summary>
    /// One shard applied the current step; when all have, the step the coordinator sees (null
    /// before), or the reason to abort when a shard's parameters became non-finite.
    /// </summary>
    public (StepApplied? Applied, string? Aborted) Applied(ShardApplied applied)
    {
        if (applied.Step != Version || !_applied.Add(applied.Index))
            return (null, null);
        (_reduceMs, _applyMs) = (Math.Max(_reduceMs, applied.ReduceMs), Math.Max(_applyMs, applied.ApplyMs));
        if (applied.Index == 0)
            _lead = applied;
        if (applied.Diverged)
            _diverged ??= $"training diverged: the update of step {applied.Step} made the parameters non-finite (learning rate {settings.Optimizer.LearningRate} too large?)";
        if (_applied.Count < count)
            return (null, null);
        if (_diverged is not null)
            return (null, _diverged);
        double loss = _lead is null ? 0 : _lead.LossSum / Math.Max(1, _lead.Tokens);
        var result = new StepApplied(runId, Version, loss, applied.GradientNorm, applied.LearningRate, _reduceMs, _applyMs, 0);
        Version++;
        _applied.Clear();
        (_lead, _reduceMs, _applyMs) = (null, 0, 0);
        return (result, null);
    }

    /// <summary>One shard's range for the checkpoint being collected; when all are in, the whole state.</summary>
    public TrainingState? Collected(ShardCollected collected)
    {
        if (collected.Step != Collecting)
            return null;
        _collected[collected.Index] = MemoryMarshal.Cast<byte, float>(collected.State.Bytes).ToArray();
        if (_collected.Count < count)
            return null;
        int total = _ranges[^1].Offset + _ranges[^1].Length;
        var parameters = new float[total];
        var optimizerState = new float[Optimizer.StateSizeFor(settings.Optimizer, total)];
        int sections = optimizerState.Length / Math.Max(1, total);
        foreach (var (index, values) in _collected)
        {
            var range = _ranges[index];
            values.AsSpan(0, range.Length).CopyTo(parameters.AsSpan(range.Offset));
            for (int s = 0; s < sections; s++)
                values.AsSpan(range.Length * (1 + s), range.Length).CopyTo(optimizerState.AsSpan(s * total + range.Offset));
        }
        _collected.Clear();
        long step = Collecting.Value;
        Collecting = null;
        return new TrainingState(model, settings, parameters, optimizerState, step);
    }
}
