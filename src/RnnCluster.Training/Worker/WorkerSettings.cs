namespace RnnCluster.Training.Worker;

/// <summary>
/// A worker's timeouts, with their defaults. Nodes read overrides from the "worker" section of a
/// settings file or RNNCLUSTER_WORKER__* variables (docs/operations.md, "Timeouts and limits").
/// </summary>
public sealed record WorkerSettings
{
    public static readonly WorkerSettings Default = new();

    /// <summary>How often a worker registers with the coordinator until it is welcomed.</summary>
    public TimeSpan RegisterInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Parameters asked for and not received within this time are asked for again (a lost frame, a failed-over server).</summary>
    public TimeSpan ParameterRetry { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Benchmark only: each micro-batch waits this long and yields a pseudo-gradient instead of computing (zero: compute). See ShareComputer.StandIn.</summary>
    public TimeSpan StandInCompute { get; init; }
}
