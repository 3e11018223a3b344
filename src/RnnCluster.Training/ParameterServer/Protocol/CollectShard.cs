using MessagePack;
using RnnCluster.Training.Wire;

namespace RnnCluster.Training.ParameterServer;

/// <summary>Run → every shard: send your range of the state at version <paramref name="Step"/> (for a checkpoint), once you are there.</summary>
[MessagePackObject]
public sealed record CollectShard(
    [property: Key(0)] string RunId,
    [property: Key(1)] long Step) : IRunMessage;
