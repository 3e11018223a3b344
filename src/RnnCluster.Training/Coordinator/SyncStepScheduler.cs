using RnnCluster.Training.Wire;

namespace RnnCluster.Training.Coordinator;

/// <summary>
/// Synchronous mode: step s is split into contiguous shares of its M micro-batches over the live
/// workers, in id order; whatever a lost worker, a missed deadline or a refusal leaves missing is
/// handed out again. A step is in flight from its assignment until the server reports it applied:
/// workers' WorkDone may come before StepApplied, and nothing new may start in that gap.
/// With backup tasks, shares are sized by each worker's measured speed (<see cref="ShareSplit"/>) and
/// a worker that finishes its share while others still compute theirs gets a copy
/// of the share expected to finish last (micro-batches × the holder's last time per micro-batch); whichever
/// copy the server has first counts and the other is refused as a duplicate, so the bytes cannot change.
/// </summary>
public sealed class SyncStepScheduler<TWorker>(WorkerRoster<TWorker> roster, StepStatistics stats, RunLength length, TimeSpan stepTimeout,
    int maxRefusals, int minWorkers, int validateEvery, bool backupTasks = false) : StepScheduler<TWorker>(roster, stats, length, stepTimeout, maxRefusals)
    where TWorker : notnull
{
    private long _step, _startStep;
    private bool _inFlight;
    private readonly Dictionary<TWorker, TWorker> _backupOf = new(); // backup → the worker whose share it copies
    private readonly Dictionary<string, double> _msPerMicroBatch = new(StringComparer.Ordinal); // last measured, per worker id

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
        ReleaseAll();
    }

    private void ReleaseAll()
    {
        Roster.ReleaseAll();
        _backupOf.Clear();
    }

    /// <summary>Hands out the current step, or nothing when too few workers are ready (the step then waits for them).</summary>
    private StepPlan<TWorker> Schedule()
    {
        var live = Roster.Live;
        if (live.Count < WorkersNeeded)
            return new([], Note: $"step {_step} waits for workers ({live.Count} ready, {WorkersNeeded} needed)");
        _backupOf.Clear();
        var bounds = ShareSplit.Boundaries(Length.MicroBatches,
            live.Select(w => backupTasks && _msPerMicroBatch.TryGetValue(Roster.IdOf(w), out double ms) ? ms : (double?)null).ToList());
        var plan = new List<Assignment<TWorker>>(live.Count);
        for (int i = 0; i < live.Count; i++)
            if (bounds[i + 1] > bounds[i])
                plan.Add(Assign(live[i], Enumerable.Range(bounds[i], bounds[i + 1] - bounds[i]).ToArray()));
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
        string id = Roster.IdOf(worker);
        Statistics.WorkDone(id, step, _step, computeMs, waitMs);
        if (step != _step)
            return StepPlan<TWorker>.Nothing;
        if (Roster.AssignmentOf(worker) is { Length: > 0 } done) // smoothed: one noisy share should not move the next cut much
            _msPerMicroBatch[id] = _msPerMicroBatch.TryGetValue(id, out double before) ? (before + computeMs / done.Length) / 2 : computeMs / done.Length;
        if (_backupOf.TryGetValue(worker, out var original) && Roster.AssignmentOf(original) is not null)
            Statistics.BackupWon();
        Roster.Release(worker);
        return backupTasks && _inFlight ? Backup(worker) : StepPlan<TWorker>.Nothing;
    }

    /// <summary>The idle worker copies the share expected to finish last that has no copy yet (none when every share has one or is its own).</summary>
    private StepPlan<TWorker> Backup(TWorker idle)
    {
        var copied = _backupOf.Values.ToHashSet();
        double typical = _msPerMicroBatch.Count == 0 ? 1 : _msPerMicroBatch.Values.Average(); // for holders not timed yet
        var original = Roster.Live
            .Where(w => !w.Equals(idle) && Roster.AssignmentOf(w) is not null && !copied.Contains(w) && !_backupOf.ContainsKey(w))
            .OrderByDescending(w => Roster.AssignmentOf(w)!.Length * _msPerMicroBatch.GetValueOrDefault(Roster.IdOf(w), typical))
            .ThenBy(w => Roster.IdOf(w), StringComparer.Ordinal)
            .FirstOrDefault();
        if (original is null || !Roster.IsReady(idle))
            return StepPlan<TWorker>.Nothing;
        var share = Roster.AssignmentOf(original)!.ToArray();
        _backupOf[idle] = original;
        return new([Assign(idle, share)], Reassigned: true, Note: $"step {_step} micro-batches [{string.Join(",", share)}] of {Roster.IdOf(original)} backed up by {Roster.IdOf(idle)}");
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
        ReleaseAll();
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
        ReleaseAll();
        return new([], Deadline: Deadline, QueryMissing: true, Note: $"step {step} missed its deadline; asking what is missing");
    }

    public override StepPlan<TWorker> Lost(TWorker worker, int[]? held) => held is null ? StepPlan<TWorker>.Nothing : StepPlan<TWorker>.AskWhatIsMissing;

    private Assignment<TWorker> Assign(TWorker worker, int[] microBatches)
    {
        Roster.Assign(worker, microBatches);
        return new Assignment<TWorker>(worker, _step, microBatches);
    }
}
