namespace RnnCluster.Training.ParameterServer;

/// <summary>
/// How the parameter server stores checkpoints and where its math runs. The timeout can be
/// overridden from the "parameter-server" section of a settings file or RNNCLUSTER_PARAMETER_SERVER__*
/// variables (docs/operations.md, "Timeouts and limits").
/// </summary>
public sealed record ParameterServerSettings
{
    public static readonly ParameterServerSettings Default = new();

    /// <summary>Dispatcher of the run actors: one with its own thread (RnnClusterHosting.ServerDispatcher) keeps the optimizer off the shared thread pool.</summary>
    public string Dispatcher { get; init; } = "akka.actor.default-dispatcher";

    /// <summary>How long loading one checkpoint from the store may take before it counts as unreadable.</summary>
    public TimeSpan StoreTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a run held by shards (--ps-shards) waits for all of them to be placed and started before it is refused.</summary>
    public TimeSpan ShardStartTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How often a run held by shards asks again for those not yet started (placed, moved, or their start lost).</summary>
    public TimeSpan ShardStartRetry { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Threads that sum gradients and apply the update, over fixed block ranges (the bytes do not
    /// depend on the count); 0: one per CPU, at most 8. Without them one core sums every worker's gradient.
    /// </summary>
    public int Threads { get; init; }

    /// <summary><see cref="Threads"/> with 0 resolved for this machine.</summary>
    public int EffectiveThreads => Threads > 0 ? Threads : Math.Clamp(Environment.ProcessorCount, 1, 8);

    /// <summary>When set, one JSON line per applied step naming every sub-tree and the worker that computed it, for audits and tests.</summary>
    public string? LedgerPath { get; init; }
}
