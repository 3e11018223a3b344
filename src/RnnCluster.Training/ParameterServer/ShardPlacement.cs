using System.Globalization;
using Akka.Cluster.Sharding;

namespace RnnCluster.Training.ParameterServer;

/// <summary>
/// How Cluster Sharding places parameter-server shards: entity "RUN/shard-K" for shard K of a run,
/// in Cluster Sharding's shard "K", so the K-th shards of every run go together and shards 0…S−1 of
/// one run spread over the nodes with the ps role (least-shards-first allocation). Only
/// <see cref="LocateShard"/> goes through the region; everything after it goes to the entity directly.
/// </summary>
public sealed class ShardPlacement : IMessageExtractor
{
    public const string TypeName = "ps-shard";

    public static string EntityIdOf(string runId, int index) => $"{Uri.EscapeDataString(runId)}/shard-{index}";

    public string? EntityId(object message) => message is LocateShard locate ? EntityIdOf(locate.RunId, locate.Index) : null;

    public object? EntityMessage(object message) => message;

    public string? ShardId(object message) => message is LocateShard locate ? locate.Index.ToString(CultureInfo.InvariantCulture) : null;

    public string ShardId(string entityId, object? messageHint = null) => entityId[(entityId.LastIndexOf("/shard-", StringComparison.Ordinal) + 7)..];
}
