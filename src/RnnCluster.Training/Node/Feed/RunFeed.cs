using RnnCluster.Training.Coordinator;

namespace RnnCluster.Training.Node;

/// <summary>
/// What one node knows about its run and its cluster, kept for readers outside the actor system
/// (the dashboard): the session's observer actor reports into it, the web server reads snapshots.
/// A plain object with one lock, so that actors stay thin and a slow reader never holds up an
/// actor: reports are O(1) appends, and the work of a snapshot (copies, percentiles) is the reader's.
/// Memory is bounded by the run's length (one float pair per step) and the limits below.
/// </summary>
public sealed class RunFeed
{
    /// <summary>Steps kept in the step timeline.</summary>
    public const int TimelineSteps = 60;

    /// <summary>Compute times kept per worker for its median and 95th percentile.</summary>
    public const int ComputeSamples = 256;

    /// <summary>Recent run events kept (worker lost, checkpoint saved, …).</summary>
    public const int EventCount = 50;

    private readonly Lock _lock = new();
    private readonly List<LossPoint> _train = new();
    private readonly List<LossPoint> _validation = new();
    private readonly SortedDictionary<string, WorkerState> _workers = new(StringComparer.Ordinal);
    private readonly Queue<StepView> _timeline = new();
    private readonly List<SavedCheckpointView> _checkpoints = new();
    private readonly Queue<string> _events = new();
    private IReadOnlyList<MemberView> _members = [];
    private readonly Dictionary<string, DateTimeOffset> _upSince = new(StringComparer.Ordinal);
    private RunProgress? _latest;
    private string _state = "idle";
    private long _version;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Func<bool, CancellationToken, Task<bool>>? _akkaHealth;

    /// <summary>
    /// Liveness: false once this node's actor system has terminated (until a new session starts it
    /// again). True while it starts, so that an orchestrator does not kill a node that is joining.
    /// </summary>
    public bool SystemAlive { get; private set; } = true;

    /// <summary>A session has started its actor system at least once.</summary>
    public bool SessionBegun { get; private set; }

    /// <summary>This node is an Up member of its cluster.</summary>
    public bool SelfUp { get; private set; }

    /// <summary>This node coordinates a run (its readiness then also needs the run under way).</summary>
    public bool Coordinates { get; private set; }

    public string? RunId { get; private set; }

    public long Version { get { lock (_lock) return _version; } }

    /// <summary>Ready for traffic: an Up member and, on the coordinator, the run started or waiting for workers.</summary>
    public bool Ready { get { lock (_lock) return SessionBegun && SystemAlive && SelfUp && (!Coordinates || _state is "waiting" or "running" or "ended"); } }

    public void SessionStarted(string? runId)
    {
        lock (_lock)
        {
            SystemAlive = SessionBegun = true;
            Coordinates = runId is not null;
            RunId = runId ?? RunId;
            if (runId is not null && _state == "idle")
                _state = "offered";
            Changed();
        }
    }

    /// <summary>
    /// The current session's Akka.Hosting health checks (the actor system's liveness and the cluster
    /// member's readiness): <c>check(liveOnly, cancel)</c> is true when they pass.
    /// </summary>
    public void UseAkkaHealthChecks(Func<bool, CancellationToken, Task<bool>>? check)
    {
        lock (_lock)
            _akkaHealth = check;
    }

    /// <summary>Liveness for /healthz: <see cref="SystemAlive"/> and Akka's own liveness check.</summary>
    public Task<bool> AliveAsync(CancellationToken cancel) => SystemAlive ? AkkaHealthy(liveOnly: true, cancel) : Task.FromResult(false);

    /// <summary>Readiness for /ready: <see cref="Ready"/> and Akka's liveness and cluster readiness checks.</summary>
    public Task<bool> ReadyAsync(CancellationToken cancel) => Ready ? AkkaHealthy(liveOnly: false, cancel) : Task.FromResult(false);

    private async Task<bool> AkkaHealthy(bool liveOnly, CancellationToken cancel)
    {
        Func<bool, CancellationToken, Task<bool>>? check;
        lock (_lock)
            check = _akkaHealth;
        if (check is null)
            return true; // no session has started its actor system yet: a joining node is alive
        try
        {
            return await check(liveOnly, cancel);
        }
        catch (ObjectDisposedException)
        {
            return false; // the session's host is gone
        }
    }

    public void SessionStopped()
    {
        lock (_lock)
        {
            _akkaHealth = null;
            SystemAlive = SelfUp = false;
            Changed();
        }
    }

    public void MembersChanged(IEnumerable<MemberView> members, bool selfUp)
    {
        var now = DateTimeOffset.UtcNow;
        lock (_lock)
        {
            SelfUp = selfUp;
            _members = members.Select(m => m.Status == "Up" && m.UpSince is null
                ? m with { UpSince = _upSince.TryGetValue(m.Address, out var t) ? t : _upSince[m.Address] = now }
                : m).ToList();
            Changed();
        }
    }

    /// <summary>The coordinator's progress; true when it is the first report of a new step.</summary>
    public bool Report(RunProgress progress)
    {
        lock (_lock)
        {
            bool newStep = _latest is null ? progress.Event is null : progress.Step > _latest.Step;
            RunId = progress.RunId;
            if (_state is "offered" or "idle")
                _state = "waiting";
            if (newStep && _state == "waiting")
                _state = "running";
            if (newStep && !double.IsNaN(progress.TrainLoss))
                _train.Add(new LossPoint(progress.Step, progress.TrainLoss));
            if (progress.ValidationLoss is { } v && (_latest?.ValidationLoss != v || _validation.Count == 0))
                _validation.Add(new LossPoint(progress.Step, v));
            if (newStep && progress.LastStep is { } t)
            {
                _timeline.Enqueue(new StepView(progress.Step, t.StepMs, t.ComputeMs, Math.Max(0, t.StepMs - t.ComputeMs - t.ReduceMs - t.ApplyMs), t.ReduceMs, t.ApplyMs));
                if (_timeline.Count > TimelineSteps)
                    _timeline.Dequeue();
            }
            if (progress.Event is { } note)
                Event(note);
            _latest = progress;
            Changed();
            return newStep;
        }
    }

    public void WorkDone(WorkDone done)
    {
        lock (_lock)
        {
            var worker = Worker(done.WorkerId);
            if (!done.Abandoned) // a share cut short is time spent, not work done
                worker.Shares++;
            worker.LastStep = Math.Max(worker.LastStep ?? 0, done.Step);
            worker.Status = "ready";
            worker.Compute.Enqueue(done.ComputeMs);
            if (worker.Compute.Count > ComputeSamples)
                worker.Compute.Dequeue();
            Changed();
        }
    }

    public void Notice(WorkerNotice notice)
    {
        lock (_lock)
        {
            var worker = Worker(notice.WorkerId);
            switch (notice.Kind)
            {
                case WorkerNoticeKind.Ready: worker.Status = "ready"; break;
                case WorkerNoticeKind.Lost: worker.Status = "lost"; worker.Lost++; worker.LastFault = $"lost at step {notice.Step}: {notice.Detail}"; break;
                case WorkerNoticeKind.Refused: worker.Refused++; worker.LastFault = $"refused at step {notice.Step}: {notice.Detail}"; break;
                case WorkerNoticeKind.Backup: worker.Backups++; break;
            }
            Changed();
        }
    }

    public void CheckpointSaved(CheckpointSaved saved)
    {
        lock (_lock)
        {
            _checkpoints.Add(new SavedCheckpointView(saved.Step, DateTimeOffset.UtcNow, saved.SaveMs));
            Changed();
        }
    }

    public void Ended(RunOutcome outcome)
    {
        lock (_lock)
        {
            _state = outcome.Success ? "ended" : "failed";
            Event(outcome.Message);
            Changed();
        }
    }

    /// <summary>Completes at the next report after <paramref name="version"/> (at once if there was one).</summary>
    public Task WaitForChangeAsync(long version, CancellationToken cancel)
    {
        lock (_lock)
            return _version > version ? Task.CompletedTask : _changed.Task.WaitAsync(cancel);
    }

    /// <param name="trainFrom">The first training-loss point wanted (a live client already has the others).</param>
    public FeedSnapshot Snapshot(int trainFrom = 0)
    {
        lock (_lock)
        {
            trainFrom = Math.Clamp(trainFrom, 0, _train.Count);
            return new FeedSnapshot(_version, RunId, _state, ProgressView(), trainFrom, _train.GetRange(trainFrom, _train.Count - trainFrom),
                _validation.ToList(), _workers.Select(w => w.Value.View(w.Key)).ToList(), _timeline.ToList(), _checkpoints.ToList(),
                _members, _events.ToList());
        }
    }

    /// <summary>The training and validation curves of this node's run (the dashboard adds them to what the store holds).</summary>
    public (IReadOnlyList<LossPoint> Train, IReadOnlyList<LossPoint> Validation) Curves()
    {
        lock (_lock)
            return (_train.ToList(), _validation.ToList());
    }

    private ProgressView? ProgressView()
    {
        if (_latest is not { } p)
            return null;
        // The remaining steps at the recent mean step time: the display's estimate, not a promise.
        double? eta = p.Timing.StepMs > 0 && p.TargetSteps > 0 && _state == "running" ? Math.Max(0, p.TargetSteps - p.Step) * p.Timing.StepMs / 1000 : null;
        return new ProgressView(p.Step, p.TargetSteps, p.Epoch, Finite(p.TrainLoss), p.ValidationLoss is { } v ? Finite(v) : null,
            double.IsFinite(p.TokensPerSecond) ? p.TokensPerSecond : 0, p.WorkersAlive, p.LastCheckpoint, eta, _events.LastOrDefault());
    }

    private static double? Finite(double value) => double.IsFinite(value) ? value : null;

    private void Event(string note)
    {
        _events.Enqueue($"{DateTimeOffset.UtcNow:HH:mm:ss} {note}");
        if (_events.Count > EventCount)
            _events.Dequeue();
    }

    private WorkerState Worker(string id)
    {
        if (!_workers.TryGetValue(id, out var worker))
            _workers[id] = worker = new WorkerState();
        return worker;
    }

    private void Changed()
    {
        _version++;
        var changed = _changed;
        _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        changed.TrySetResult();
    }

    private sealed class WorkerState
    {
        public string Status { get; set; } = "joined";
        public long Shares { get; set; }
        public long? LastStep { get; set; }
        public int Lost { get; set; }
        public int Refused { get; set; }
        public int Backups { get; set; }
        public string? LastFault { get; set; }
        public Queue<double> Compute { get; } = new();

        public WorkerView View(string id)
        {
            var sorted = Compute.Order().ToArray();
            double? Percentile(double q) => sorted.Length == 0 ? null : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
            return new WorkerView(id, Status, Shares, Percentile(0.5), Percentile(0.95), LastStep, Lost, Refused, Backups, LastFault);
        }
    }
}
