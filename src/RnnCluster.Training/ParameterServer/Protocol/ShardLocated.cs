using MessagePack;
using RnnCluster.Training.Wire;

namespace RnnCluster.Training.ParameterServer;

/// <summary>Shard → run: shard <paramref name="Index"/> is here (the sender), waiting for its <see cref="StartShard"/>.</summary>
[MessagePackObject]
public sealed record ShardLocated(
    [property: Key(0)] string RunId,
    [property: Key(1)] int Index) : IRunMessage;
