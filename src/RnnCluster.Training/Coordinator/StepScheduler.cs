using RnnCluster.Training.Wire;

namespace RnnCluster.Training.Coordinator;

/// <summary>
/// Decides which worker computes what and when the run is over, from the events the coordinator
/// sees, and keeps the step statistics. One kind per training mode:
/// <see cref="SyncStepScheduler{TWorker}"/> and <see cref="AsyncStepScheduler{TWorker}"/>.
/// </summary>
public abstract class StepScheduler<TWorker>(WorkerRoster<TWorker> roster, StepStatistics stats, RunLength length, TimeSpan stepTimeout, int maxRefusals)
    where TWorker : notnull
{
    protected WorkerRoster<TWorker> Roster => roster;

    protected RefusalCounter Refusals { get; } = new(maxRefusals);

    protected RunLength Length => length;

    public StepStatistics Statistics => stats;

    /// <summary>The step the run is at (for people: async mode counts M updates as a step).</summary>
    public abstract long Step { get; }

    /// <summary>Updates applied: steps in sync mode, micro-batches in async mode.</summary>
    public abstract long Progress { get; }

    /// <summary>A stop was asked for: the run ends after the step in flight.</summary>
    public bool StopRequested { get; protected set; }

    /// <summary>The largest staleness of an applied update (async mode).</summary>
    public virtual int MaxStaleness => 0;

    protected bool IsDone(long progress) => StopRequested || length.IsDone(progress, stats.TrainingElapsed);

    public static StepScheduler<TWorker> For(RunRequest request, WorkerRoster<TWorker> roster, CoordinatorSettings settings, TimeProvider time)
    {
        var length = RunLength.Of(request);
        var stats = new StepStatistics(settings, request.TokensPerStep, length.UpdatesPerStep, time);
        return length.Mode == TrainingMode.Async
            ? new AsyncStepScheduler<TWorker>(roster, stats, length, request.StepTimeout, settings.MaxRefusalsPerMicroBatch)
            : new SyncStepScheduler<TWorker>(roster, stats, length, request.StepTimeout, settings.MaxRefusalsPerMicroBatch, request.MinWorkers, request.ValidateEvery,
                request.BackupTasks);
    }

    /// <summary>The run (re)starts at <paramref name="progress"/>, as the parameter server reported; <paramref name="newSession"/> when this coordinator starts it.</summary>
    public StepPlan<TWorker> Begin(long progress, bool newSession)
    {
        if (newSession)
            stats.SessionStarted(progress);
        Abandon();
        return Restart(progress, newSession);
    }

    protected abstract StepPlan<TWorker> Restart(long progress, bool newSession);

    /// <summary>The parameter server is gone: nothing handed out counts any more.</summary>
    public abstract void Abandon();

    public abstract StepPlan<TWorker> WorkerReady(TWorker worker);

    public abstract StepPlan<TWorker> WorkDone(TWorker worker, long step, double computeMs, double waitMs);

    /// <summary>A share finished, or was cut short because its step was applied without it: then it counts only in the per-worker times.</summary>
    public StepPlan<TWorker> WorkDone(TWorker worker, long step, double computeMs, double waitMs, bool abandoned)
    {
        if (!abandoned)
            return WorkDone(worker, step, computeMs, waitMs);
        if (Roster.Contains(worker))
            Statistics.WorkDone(Roster.IdOf(worker), step, Step, computeMs, waitMs: 0, abandoned: true);
        return StepPlan<TWorker>.Nothing;
    }

    /// <summary>The server applied <paramref name="step"/> (an update in async mode) with this mean loss.</summary>
    public abstract StepPlan<TWorker> Applied(long step, double trainLoss, double reduceMs, double applyMs, int maxStaleness);

    public abstract StepPlan<TWorker> Missing(long step, int[] microBatches);

    public abstract StepPlan<TWorker> Refused(long step, int lo, int hi, string workerId, string reason);

    public abstract StepPlan<TWorker> DeadlinePassed(long step);

    /// <summary>A worker was lost holding <paramref name="held"/> (null: nothing).</summary>
    public abstract StepPlan<TWorker> Lost(TWorker worker, int[]? held);

    /// <summary>Ctrl+C: end after the step in flight, or now when nothing is.</summary>
    public StepPlan<TWorker> Stop()
    {
        StopRequested = true;
        return Roster.AnyAssigned || InFlight ? StepPlan<TWorker>.Nothing : Finish(progressed: false);
    }

    protected virtual bool InFlight => false;

    /// <summary>The plan that ends the run: tokens/s stop counting (the final validation and checkpoint are not training).</summary>
    protected StepPlan<TWorker> Finish(bool progressed)
    {
        stats.Stop();
        return new([], Progressed: progressed, Finish: true);
    }

    /// <summary>The plan of a newly handed out step: its clock starts, its deadline is armed.</summary>
    protected StepPlan<TWorker> Started(IReadOnlyList<Assignment<TWorker>> assignments)
    {
        stats.StepStarted();
        return new(assignments, Deadline: stats.StepDeadline(stepTimeout));
    }

    protected TimeSpan Deadline => stats.StepDeadline(stepTimeout);

    /// <summary>How a finished run ended, after <paramref name="updates"/> updates.</summary>
    public string EndMessage(long updates) =>
        length.EndMessage(StopRequested, updates / length.UpdatesPerStep, stats.TrainingElapsed, stats.Shares, MaxStaleness, stats.ComputeTimes, stats.BackupsWon, stats.Abandoned);
}
