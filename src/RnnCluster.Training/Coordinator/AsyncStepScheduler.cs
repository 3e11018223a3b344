using RnnCluster.Training.Wire;

namespace RnnCluster.Training.Coordinator;

/// <summary>
/// Asynchronous mode: each worker holds one micro-batch at a time, numbered by the sequence
/// u = s·M + m; the server applies each on arrival. A refused or lost one is handed out again.
/// </summary>
public sealed class AsyncStepScheduler<TWorker>(WorkerRoster<TWorker> roster, StepStatistics stats, RunLength length, TimeSpan stepTimeout, int maxRefusals)
    : StepScheduler<TWorker>(roster, stats, length, stepTimeout, maxRefusals)
    where TWorker : notnull
{
    private readonly Queue<long> _retry = new();
    private readonly Dictionary<TWorker, long> _held = new();
    private long _next, _applied;
    private int _maxStaleness;

    public override long Progress => _applied;

    public override long Step => _applied / Length.MicroBatches;

    public override int MaxStaleness => _maxStaleness;

    protected override StepPlan<TWorker> Restart(long update, bool newSession)
    {
        _applied = _next = update;
        _retry.Clear();
        return IsDone(_applied) ? Finish(progressed: false) : StepPlan<TWorker>.Hand(AssignIdle());
    }

    public override void Abandon()
    {
        _held.Clear();
        Roster.ReleaseAll();
    }

    public override StepPlan<TWorker> WorkerReady(TWorker worker) => StepPlan<TWorker>.Hand(AssignTo(worker));

    public override StepPlan<TWorker> WorkDone(TWorker worker, long sequence, double computeMs, double waitMs)
    {
        _held.Remove(worker);
        Roster.Release(worker);
        return FinishIfStoppedAndIdle(StepPlan<TWorker>.Hand(AssignTo(worker)));
    }

    public override StepPlan<TWorker> Applied(long update, double trainLoss, double reduceMs, double applyMs, int maxStaleness)
    {
        Statistics.TrainLoss = trainLoss;
        _applied = update + 1;
        _maxStaleness = Math.Max(_maxStaleness, maxStaleness);
        Statistics.Progressed(_applied);
        bool wholeStep = _applied % Length.MicroBatches == 0;
        return IsDone(_applied) ? Finish(wholeStep) : new([], Progressed: wholeStep);
    }

    public override StepPlan<TWorker> Missing(long step, int[] microBatches) => StepPlan<TWorker>.Nothing;

    public override StepPlan<TWorker> DeadlinePassed(long step) => StepPlan<TWorker>.Nothing;

    public override StepPlan<TWorker> Refused(long sequence, int lo, int hi, string workerId, string reason)
    {
        if (!reason.StartsWith(GradientRefusals.Stale, StringComparison.Ordinal))
        {
            int m = (int)(sequence % Length.MicroBatches);
            if (Refusals.Count(sequence / Length.MicroBatches, m, m + 1, reason) is { } diverged)
                return new([], Diverged: diverged);
        }
        _retry.Enqueue(sequence); // the worker's WorkDone follows and takes it (or another)
        return StepPlan<TWorker>.Nothing;
    }

    /// <summary>A lost worker's micro-batch goes to the next idle worker.</summary>
    public override StepPlan<TWorker> Lost(TWorker worker, int[]? held)
    {
        if (_held.Remove(worker, out long sequence))
            _retry.Enqueue(sequence);
        return FinishIfStoppedAndIdle(StepPlan<TWorker>.Hand(AssignIdle()));
    }

    /// <summary>After a stop nothing new is handed out: once nobody holds work, the run ends (no further update may come).</summary>
    private StepPlan<TWorker> FinishIfStoppedAndIdle(StepPlan<TWorker> plan) =>
        StopRequested && !Roster.AnyAssigned ? Finish(progressed: false) : plan;

    private List<Assignment<TWorker>> AssignIdle() => Roster.Idle.SelectMany(AssignTo).ToList();

    private List<Assignment<TWorker>> AssignTo(TWorker worker)
    {
        if (StopRequested || !Roster.IsReady(worker) || Roster.AssignmentOf(worker) is not null)
            return [];
        long sequence = _retry.Count > 0 ? _retry.Dequeue() : _next++;
        int[] microBatch = [(int)(sequence % Length.MicroBatches)];
        Roster.Assign(worker, microBatch);
        _held[worker] = sequence;
        return [new Assignment<TWorker>(worker, sequence, microBatch)];
    }
}
