using MessagePack;
using RnnCluster.Training.Wire;

namespace RnnCluster.Training.ParameterServer;

/// <summary>
/// Run → the shard region: find (or start, on a node with the ps role that Cluster Sharding picks)
/// shard <paramref name="Index"/> of this run; it answers <see cref="ShardLocated"/> and from then
/// on belongs to the sender.
/// </summary>
[MessagePackObject]
public sealed record LocateShard(
    [property: Key(0)] string RunId,
    [property: Key(1)] int Index) : IRunMessage;
