using RnnCluster.Training.Wire;

namespace RnnCluster.Training.Coordinator;

/// <summary>
/// Synchronous mode: step s is split into contiguous shares of its M micro-batches over the live
/// workers, in id order; whatever a lost worker, a missed deadline or a refusal leaves missing is
/// handed out again. A step is in flight from its assignment until the server reports it applied:
/// workers' WorkDone may come before StepApplied, and nothing new may start in that gap.
/// </summary>
public sealed class SyncStepScheduler<TWorker>(WorkerRoster<TWorker> roster, StepStatistics stats, RunLength length, TimeSpan stepTimeout,
    int maxRefusals, int minWorkers, int validateEvery) : StepScheduler<TWorker>(roster, stats, length, stepTimeout, maxRefusals)
    where TWorker : notnull
{
    private long _step, _startStep;
    private bool _inFlight;

    public override long Step => _step;

    public override long Progress => _step;

    protected override bool InFlight => _inFlight;

    /// <summary>The first step of a session waits for --min-workers; later steps go on with whoever is there.</summary>
    public int WorkersNeeded => Math.Max(1, _step == _startStep ? minWorkers : 1);

    protected override StepPlan<TWorker> Restart(long step, bool newSession)
    {
        _step = step;
        if (newSession)
            _startStep = step;
        return IsDone(step) ? Finish(progressed: false) : Schedule();
    }

    public override void Abandon()
    {
        _inFlight = false;
        Roster.ReleaseAll();
    }

    /// <summary>Hands out the current step, or nothing when too few workers are ready (the step then waits for them).</summary>
    private StepPlan<TWorker> Schedule()
    {
        var live = Roster.Live;
        if (live.Count < WorkersNeeded)
            return new([], Note: $"step {_step} waits for workers ({live.Count} ready, {WorkersNeeded} needed)");
        int k = Math.Min(live.Count, Length.MicroBatches);
        var plan = new List<Assignment<TWorker>>(k);
        for (int i = 0; i < k; i++)
        {
            int lo = i * Length.MicroBatches / k, hi = (i + 1) * Length.MicroBatches / k;
            plan.Add(Assign(live[i], Enumerable.Range(lo, hi - lo).ToArray()));
        }
        _inFlight = true;
        Refusals.Clear();
        return Started(plan);
    }

    public override StepPlan<TWorker> WorkerReady(TWorker worker) =>
        !_inFlight ? Schedule()                                      // the step was waiting for workers
        : !Roster.AnyAssigned ? StepPlan<TWorker>.AskWhatIsMissing   // what nobody computes goes to the new worker
        : StepPlan<TWorker>.Nothing;

    public override StepPlan<TWorker> WorkDone(TWorker worker, long step, double computeMs, double waitMs)
    {
        if (!Roster.Contains(worker))
            return StepPlan<TWorker>.Nothing;
        Statistics.WorkDone(Roster.IdOf(worker), step, _step, computeMs, waitMs);
        if (step == _step)
            Roster.Release(worker);
        return StepPlan<TWorker>.Nothing;
    }

    public override StepPlan<TWorker> Applied(long step, double trainLoss, double reduceMs, double applyMs, int maxStaleness)
    {
        // Not only while in flight: a restarted server may finish a step from gradients of shares
        // handed out before it was lost, while this coordinator still waits for workers.
        if (step != _step)
            return StepPlan<TWorker>.Nothing;
        Statistics.StepApplied(step, reduceMs, applyMs);
        Statistics.TrainLoss = trainLoss;
        _inFlight = false;
        Roster.ReleaseAll();
        _step = step + 1;
        Statistics.Progressed(_step);
        bool validate = validateEvery > 0 && _step % validateEvery == 0 && !Length.IsDone(_step, Statistics.TrainingElapsed);
        return (IsDone(_step) ? Finish(progressed: true) : Schedule() with { Progressed = true }) with { Validate = validate };
    }

    /// <summary>
    /// The server still misses <paramref name="missing"/>: those nobody holds go to the idle workers
    /// first, then the least loaded, in contiguous pieces (which keep pre-reduction possible).
    /// </summary>
    public override StepPlan<TWorker> Missing(long step, int[] missing)
    {
        if (step != _step || missing.Length == 0)
            return StepPlan<TWorker>.Nothing;
        var outstanding = Roster.Outstanding;
        var orphans = missing.Where(m => !outstanding.Contains(m)).ToArray();
        var order = Roster.LiveByLoad;
        if (order.Count == 0 && orphans.Length > 0)
            return new([], Note: $"micro-batches [{string.Join(",", orphans)}] of step {_step} wait for a worker");
        int k = Math.Min(order.Count, orphans.Length);
        var plan = new List<Assignment<TWorker>>(k);
        for (int i = 0; i < k; i++)
            plan.Add(Assign(order[i], orphans[(i * orphans.Length / k)..((i + 1) * orphans.Length / k)]));
        _inFlight |= plan.Count > 0;
        return plan.Count == 0 ? StepPlan<TWorker>.Nothing
            : new(plan, Reassigned: true, Note: string.Join("; ", plan.Select(a => $"step {_step} micro-batches [{string.Join(",", a.MicroBatches)}] reassigned to {Roster.IdOf(a.Worker)}")));
    }

    public override StepPlan<TWorker> Refused(long step, int lo, int hi, string workerId, string reason)
    {
        // A duplicate of a re-handed share is refused as overlapping: no fault of the data.
        if (step != _step || reason.StartsWith(GradientRefusals.Overlap, StringComparison.Ordinal))
            return StepPlan<TWorker>.Nothing;
        if (Refusals.Count(step, lo, hi, reason) is { } diverged)
            return new([], Diverged: diverged);
        Roster.ReleaseId(workerId);
        return StepPlan<TWorker>.AskWhatIsMissing;
    }

    /// <summary>Every share of a step that missed its deadline counts as lost; the server says what is missing.</summary>
    public override StepPlan<TWorker> DeadlinePassed(long step)
    {
        if (step != _step)
            return StepPlan<TWorker>.Nothing;
        Roster.ReleaseAll();
        return new([], Deadline: Deadline, QueryMissing: true, Note: $"step {step} missed its deadline; asking what is missing");
    }

    public override StepPlan<TWorker> Lost(TWorker worker, int[]? held) => held is null ? StepPlan<TWorker>.Nothing : StepPlan<TWorker>.AskWhatIsMissing;

    private Assignment<TWorker> Assign(TWorker worker, int[] microBatches)
    {
        Roster.Assign(worker, microBatches);
        return new Assignment<TWorker>(worker, _step, microBatches);
    }
}
