namespace RnnCluster.Training.Node;

/// <summary>
/// A node's own timeouts, with their defaults. Overrides come from the "node" section of a settings
/// file or RNNCLUSTER_NODE__* variables (docs/operations.md, "Timeouts and limits").
/// </summary>
public sealed record NodeSettings
{
    public static readonly NodeSettings Default = new();

    /// <summary>How often the node agent registers with the coordinator until it is acknowledged…</summary>
    public TimeSpan RegisterInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>…and afterwards, so that a restarted coordinator learns of it too.</summary>
    public TimeSpan RegisteredInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long the coordinator's node waits for the run's outcome (for the summary) after the run ended.</summary>
    public TimeSpan OutcomeWait { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>A node that cannot join its seeds within this time gives up (and `node` may try again, see --rejoin-for).</summary>
    public TimeSpan JoinTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a node's heartbeats may be missing before the failure detector takes it for
    /// unreachable (Akka.Cluster's acceptable-heartbeat-pause; Akka's default). A larger pause
    /// tolerates a starved host but notices a real crash later.
    /// </summary>
    public TimeSpan HeartbeatPause { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>How long a starting node waits for its ports to come free (a node restarted at once on its port races the dead process's sockets closing).</summary>
    public TimeSpan PortWait { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>With --discovery kubernetes: how often the cluster's pods are looked up until they are joined…</summary>
    public TimeSpan DiscoveryInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>…how long the pods found must stay the same before they are joined (pods of a deployment appear one by one)…</summary>
    public TimeSpan DiscoveryStableMargin { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>…and how long one lookup may take.</summary>
    public TimeSpan DiscoveryTimeout { get; init; } = TimeSpan.FromSeconds(5);
}
