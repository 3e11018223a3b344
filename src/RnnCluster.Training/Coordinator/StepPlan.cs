namespace RnnCluster.Training.Coordinator;

/// <summary>What a <see cref="StepScheduler{TWorker}"/> decided; the coordinator carries it out.</summary>
/// <param name="Assignments">Work to hand out.</param>
/// <param name="Deadline">The current step's deadline, from now.</param>
/// <param name="QueryMissing">Ask the parameter server which micro-batches of the current step it still misses.</param>
/// <param name="Validate">Validate the current parameter version (--validate-every).</param>
/// <param name="Progressed">A step completed: tell the progress display.</param>
/// <param name="Finish">The run is over (target, time budget or stop): validate once more and save the final checkpoint.</param>
/// <param name="Diverged">The run cannot go on: why.</param>
/// <param name="Reassigned">The assignments are backups: work someone else held (lost, late, or a straggler's still running), handed out again.</param>
/// <param name="Note">What happened, for the log (work waiting for workers, reassignments, a missed deadline).</param>
public sealed record StepPlan<TWorker>(
    IReadOnlyList<Assignment<TWorker>> Assignments,
    TimeSpan? Deadline = null,
    bool QueryMissing = false,
    bool Validate = false,
    bool Progressed = false,
    bool Finish = false,
    string? Diverged = null,
    string? Note = null,
    bool Reassigned = false)
{
    public static readonly StepPlan<TWorker> Nothing = new([]);

    public static readonly StepPlan<TWorker> AskWhatIsMissing = new([], QueryMissing: true);

    public static StepPlan<TWorker> Hand(IReadOnlyList<Assignment<TWorker>> assignments) => assignments.Count == 0 ? Nothing : new(assignments);
}
