using MessagePack;
using RnnCluster.Training.Wire;

namespace RnnCluster.Training.ParameterServer;

/// <summary>
/// Shard → run: the shard applied <paramref name="Step"/>; <paramref name="Diverged"/> when its
/// slice became non-finite. The loss is what came with the parts at the start of its range (only
/// shard 0's is the step's loss).
/// </summary>
[MessagePackObject]
public sealed record ShardApplied(
    [property: Key(0)] string RunId,
    [property: Key(1)] long Step,
    [property: Key(2)] int Index,
    [property: Key(3)] double GradientNorm,
    [property: Key(4)] float LearningRate,
    [property: Key(5)] double ApplyMs,
    [property: Key(6)] bool Diverged,
    [property: Key(7)] double LossSum,
    [property: Key(8)] int Tokens,
    [property: Key(9)] double ReduceMs) : IRunMessage;
