using MessagePack;
using RnnCluster.Training.Wire;

namespace RnnCluster.Training.ParameterServer;

/// <summary>
/// Run → every shard: ‖g‖² of step <paramref name="Step"/>'s whole gradient, folded from all
/// shards' block sums in block order; apply your slice with it. Non-finite: the step is refused,
/// forget its slices.
/// </summary>
[MessagePackObject]
public sealed record ApplyShardStep(
    [property: Key(0)] string RunId,
    [property: Key(1)] long Step,
    [property: Key(2)] double SumOfSquares) : IRunMessage;
