namespace RnnCluster.Training.Node;

/// <summary>The registry key of the parameter-server shards' region (on nodes with the ps role).</summary>
public sealed class ShardRegionKey;
