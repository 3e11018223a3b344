using MessagePack;
using RnnCluster.Training.Wire;

namespace RnnCluster.Training.ParameterServer;

/// <summary>
/// Shard → every other shard and the run: every micro-batch's slice of <paramref name="Step"/> is
/// summed; the sums of squares of the shard's norm blocks (from <paramref name="FirstBlock"/>).
/// Each shard folds all shards' sums itself (<see cref="NormExchange"/>); the run folds them too,
/// to report a non-finite step. <paramref name="Attempt"/> counts the tries at the step that a
/// non-finite norm made every shard forget.
/// </summary>
[MessagePackObject]
public sealed record ShardReduced(
    [property: Key(0)] string RunId,
    [property: Key(1)] long Step,
    [property: Key(2)] int Index,
    [property: Key(3)] int FirstBlock,
    [property: Key(4)] double[] BlockSums,
    [property: Key(5)] int Attempt) : IRunMessage;
