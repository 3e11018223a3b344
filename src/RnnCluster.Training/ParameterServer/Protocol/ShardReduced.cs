using MessagePack;
using RnnCluster.Training.Wire;

namespace RnnCluster.Training.ParameterServer;

/// <summary>
/// Shard → run: every micro-batch's slice of <paramref name="Step"/> is summed; the sums of squares
/// of the shard's norm blocks (from <paramref name="FirstBlock"/>), and the loss that came with
/// its parts at the start of its range (only shard 0's is the step's loss).
/// </summary>
[MessagePackObject]
public sealed record ShardReduced(
    [property: Key(0)] string RunId,
    [property: Key(1)] long Step,
    [property: Key(2)] int Index,
    [property: Key(3)] int FirstBlock,
    [property: Key(4)] double[] BlockSums,
    [property: Key(5)] double LossSum,
    [property: Key(6)] int Tokens,
    [property: Key(7)] double ReduceMs) : IRunMessage;
