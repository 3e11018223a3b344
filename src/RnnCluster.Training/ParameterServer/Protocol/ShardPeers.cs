using MessagePack;
using RnnCluster.Training.Wire;

namespace RnnCluster.Training.ParameterServer;

/// <summary>
/// Run → every shard, once all have started: the shards' actor paths in index order, so that each
/// sends its block sums to the others (<see cref="NormExchange"/>) and takes sums only from them.
/// </summary>
[MessagePackObject]
public sealed record ShardPeers(
    [property: Key(0)] string RunId,
    [property: Key(1)] string[] Paths) : IRunMessage;
