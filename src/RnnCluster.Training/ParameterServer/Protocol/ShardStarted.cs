using MessagePack;
using RnnCluster.Training.Wire;

namespace RnnCluster.Training.ParameterServer;

/// <summary>Shard → run: shard <paramref name="Index"/> holds its range at <paramref name="Step"/> and takes gradients.</summary>
[MessagePackObject]
public sealed record ShardStarted(
    [property: Key(0)] string RunId,
    [property: Key(1)] int Index,
    [property: Key(2)] long Step) : IRunMessage;
