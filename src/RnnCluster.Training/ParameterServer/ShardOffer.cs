using Akka.Event;
using RnnCluster.Training.Coordinator;

namespace RnnCluster.Training.ParameterServer;

/// <summary>What <see cref="ShardState{TWorker}"/> made of a gradient; the shard actor carries it out.</summary>
/// <param name="Note">A line for the log, at <paramref name="Level"/>.</param>
/// <param name="Refused">Tell the coordinator (through the run): these micro-batches are still missing, or a duplicate lost.</param>
/// <param name="Reduced">Every micro-batch of the step is in: the block sums for the run to fold.</param>
public sealed record ShardOffer(
    string? Note = null,
    LogLevel Level = LogLevel.DebugLevel,
    GradientRefused? Refused = null,
    ShardReduced? Reduced = null)
{
    public static readonly ShardOffer Nothing = new();
}
