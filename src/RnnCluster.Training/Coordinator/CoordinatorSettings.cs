namespace RnnCluster.Training.Coordinator;

/// <summary>
/// The coordinator's timeouts and limits, with their defaults. Nodes read overrides from the
/// "coordinator" section of a settings file or RNNCLUSTER_COORDINATOR__* variables
/// (docs/operations.md, "Timeouts and limits").
/// </summary>
public sealed record CoordinatorSettings
{
    public static readonly CoordinatorSettings Default = new();

    /// <summary>How often the run is offered to the parameter server until it answers.</summary>
    public TimeSpan BeginRetry { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>After losing the parameter server, the first offer to a restarted one (then every <see cref="BeginRetry"/>).</summary>
    public TimeSpan ServerLostRetry { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>A worker-only node unreachable this long is downed, so dead workers never outvote the live side.</summary>
    public TimeSpan WorkerDownAfter { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long the final validation may take before the run finishes without it.</summary>
    public TimeSpan EvaluationTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>A micro-batch whose gradient is refused this often ends the run as diverged (recomputing it gives the same bytes).</summary>
    public int MaxRefusalsPerMicroBatch { get; init; } = 3;

    /// <summary>Once step times are known, a step's deadline is this many times the mean step…</summary>
    public double StepDeadlineFactor { get; init; } = 10;

    /// <summary>…but at least this long, and never longer than the run's --step-timeout.</summary>
    public TimeSpan MinStepDeadline { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How many applied steps make the mean that the adaptive deadline uses.</summary>
    public int StepsBeforeAdaptiveDeadline { get; init; } = 3;

    /// <summary>Steps of each session left out of tokens/s and the summary's timings (compilation, first allocations).</summary>
    public int WarmUpSteps { get; init; } = 10;

    /// <summary>The live display's timings are means over this many last steps.</summary>
    public int ProgressWindow { get; init; } = 20;
}
