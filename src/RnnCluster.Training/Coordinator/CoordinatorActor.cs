using System.Diagnostics;
using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using RnnCluster.Training.Node;
using RnnCluster.Training.ParameterServer;
using RnnCluster.Training.Wire;
using RnnCluster.Training.Worker;

namespace RnnCluster.Training.Coordinator;

/// <summary>
/// Owns the run: starts it on the parameter server, welcomes workers, hands the micro-batches of
/// each step to the live workers, notices workers that die or stop answering and hands their
/// unfinished micro-batches to others, schedules validation, and ends the run. It holds no
/// parameters and does no math; everything it needs to resume is in the parameter server's
/// checkpoints. Runs as a cluster singleton.
/// </summary>
public sealed class CoordinatorActor : ReceiveActor, IWithTimers
{
    private readonly bool _roundTrip = ForcedSerialization.IsOn(Context.System);

    protected override bool AroundReceive(Receive receive, object message) =>
        base.AroundReceive(receive, _roundTrip ? ForcedSerialization.RoundTrip(Context.System, message) : message);

    private const int MaxRefusalsPerMicroBatch = 3;

    private readonly RunRequest _request;
    private readonly IActorRef _parameterServer;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Courier _wire = Courier.For(Context.System);
    private readonly Dictionary<IActorRef, WorkerSlot> _workers = new();
    private readonly HashSet<IActorRef> _nodes = new();
    private readonly int _microBatches;
    private readonly byte[] _trainBytes;
    private readonly byte[] _validationBytes;

    private long _step;
    private long _startStep;
    private bool _running;
    private bool _finishing;
    private bool _stopRequested;
    // A sync step is in flight from its assignment until the server reports it applied. Its
    // workers' WorkDone can come before StepApplied: a stop finished in that gap would ask for the
    // validation of a version the workers have already replaced, and wait for it in vain.
    private bool _stepInFlight;
    private bool _runFinished;
    private bool _evaluationPending;
    private double? _validationLoss;
    private double _trainLoss = double.NaN;
    private long? _lastCheckpoint;
    private readonly Dictionary<int, int> _refusals = new();
    private readonly SortedDictionary<string, int> _shares = new(StringComparer.Ordinal);
    private readonly Stopwatch _runClock = new();
    private readonly Stopwatch _trainingClock = new();   // since this session's first step
    private long _timedFromStep = -1;
    private readonly Stopwatch _stepClock = new();
    private readonly List<StepTiming> _timings = new();   // the last 20 applied steps, oldest first
    private readonly List<StepTiming> _measured = new();  // every step after the first 10, for the summary
    private double _stepComputeMs, _stepWaitMs;
    private long _nextSequence;              // async: next micro-batch sequence number
    private readonly Queue<long> _retry = new(); // async: refused sequence numbers
    private long _appliedUpdates;
    private IActorRef? _server;              // the run's state actor, watched
    private bool _serverKnown;               // it answered once: the run exists in the store
    private bool _awaitingServer;            // lost it; waiting for a restarted one
    private int _maxStaleness;

    public CoordinatorActor(RunRequest request, IActorRef parameterServer)
    {
        _request = request;
        _parameterServer = parameterServer;
        _microBatches = request.Definition.Settings.MicroBatches;
        _trainBytes = IntBytes.From(request.TrainTokens);
        _validationBytes = IntBytes.From(request.ValidationTokens);

        // After the first RunReady the run exists in the store: a server that comes back resumes it.
        Receive<BeginTick>(_ => _parameterServer.Tell(new BeginRun(_request.RunId, _request.Definition, _request.Resume || _serverKnown, _request.TargetSteps, _request.Checkpoints)));
        Receive<RunReady>(m => ForThisRun(m, OnRunReady));
        Receive<RunRefused>(m => ForThisRun(m, r => EndRun(false, $"run refused: {r.Reason}")));
        Receive<RegisterWorker>(OnRegisterWorker);
        Receive<RegisterNode>(OnRegisterNode);
        Receive<WorkerReady>(m => ForThisRun(m, OnWorkerReady));
        Receive<WorkerRefused>(m => ForThisRun(m, r =>
        {
            _log.Error("Worker refused run '{0}': {1}", _request.RunId, r.Reason);
            Publish($"worker refused the run: {r.Reason}");
        }));
        Receive<WorkDone>(m => ForThisRun(m, OnWorkDone));
        Receive<StepApplied>(m => ForThisRun(m, OnStepApplied));
        Receive<MissingMicroBatches>(m => ForThisRun(m, OnMissing));
        Receive<GradientRefused>(m => ForThisRun(m, OnGradientRefused));
        Receive<RunAborted>(m => ForThisRun(m, a => EndRun(false, $"{a.Reason}. The last good checkpoint is kept.")));
        Receive<CheckpointSaved>(m => ForThisRun(m, c =>
        {
            _lastCheckpoint = c.Step;
            Publish($"checkpoint of step {c.Step} saved");
        }));
        Receive<EvaluationResult>(m => ForThisRun(m, OnEvaluation));
        Receive<RunFinished>(m => ForThisRun(m, OnRunFinished));
        Receive<StepDeadline>(OnStepDeadline);
        Receive<EvaluationDeadline>(_ =>
        {
            if (!_evaluationPending) return;
            _log.Warning("Run '{0}': no validation result in time; finishing without it.", _request.RunId);
            _evaluationPending = false;
            _parameterServer.Tell(new FinishRun(_request.RunId));
        });
        Receive<StopGracefully>(m =>
        {
            _log.Info("Run '{0}': stopping after the current step ({1}).", _request.RunId, m.Reason);
            _stopRequested = true;
            if (!_running && !_runFinished)
                EndRun(false, "interrupted before the run started (nothing was trained)");
            else if (_running && !_finishing && !_stepInFlight && !_workers.Values.Any(w => w.Assignment is not null))
                Finish();
        });
        Receive<Terminated>(t =>
        {
            if (t.ActorRef.Equals(_server))
                LoseServer("terminated");
            else
                LoseWorker(t.ActorRef, "terminated");
        });
        Receive<ClusterEvent.UnreachableMember>(u =>
        {
            if (_server is not null && _server.Path.Address == u.Member.Address)
                LoseServer($"node {u.Member.Address} unreachable");
            foreach (var worker in _workers.Keys.Where(w => w.Path.Address == u.Member.Address).ToList())
                LoseWorker(worker, $"node {u.Member.Address} unreachable");
            if (IsWorkerOnly(u.Member))
                Timers.StartSingleTimer("down-" + u.Member.Address, new DownIfStillUnreachable(u.Member), WorkerDownAfter);
        });
        Receive<DownIfStillUnreachable>(d =>
        {
            // A worker-only node that stays unreachable is downed here rather than left to the
            // Split Brain Resolver: dead workers must not pile up as unreachable members (with
            // keep-majority, enough of them would outvote the live side). A downed worker that
            // was only cut off joins again by itself (node --rejoin-for).
            var cluster = Cluster.Get(Context.System);
            if (cluster.State.Unreachable.Any(m => m.Address == d.Member.Address))
            {
                _log.Warning("Downing worker node {0}: unreachable for {1} s.", d.Member.Address, WorkerDownAfter.TotalSeconds);
                cluster.Down(d.Member.Address);
            }
        });
        Receive<ClusterEvent.MemberRemoved>(r =>
        {
            if (_server is not null && _server.Path.Address == r.Member.Address)
                LoseServer($"node {r.Member.Address} removed");
            foreach (var worker in _workers.Keys.Where(w => w.Path.Address == r.Member.Address).ToList())
                LoseWorker(worker, $"node {r.Member.Address} removed");
        });
        Receive<ClusterEvent.IClusterDomainEvent>(_ => { });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    private static readonly TimeSpan WorkerDownAfter = TimeSpan.FromSeconds(5);

    private static bool IsWorkerOnly(Member member) =>
        member.Roles.Contains(Roles.Worker) && !member.Roles.Contains(Roles.Coordinator) && !member.Roles.Contains(Roles.ParameterServer);

    public static Props Props(RunRequest request, IActorRef parameterServer) =>
        Akka.Actor.Props.Create(() => new CoordinatorActor(request, parameterServer));

    protected override void PreStart()
    {
        Timers.StartPeriodicTimer("begin", BeginTick.Instance, TimeSpan.Zero, TimeSpan.FromSeconds(3));
        if (Context.System.HasExtension<Cluster>() || Context.System.Settings.ProviderClass.Contains("Cluster", StringComparison.Ordinal))
            Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
                typeof(ClusterEvent.UnreachableMember), typeof(ClusterEvent.MemberRemoved));
    }

    protected override void PostStop()
    {
        if (Context.System.Settings.ProviderClass.Contains("Cluster", StringComparison.Ordinal))
            Cluster.Get(Context.System).Unsubscribe(Self);
    }

    private void ForThisRun<T>(T message, Action<T> handle) where T : IRunMessage
    {
        if (message.RunId != _request.RunId)
        {
            _log.Warning("Coordinator of run '{0}' ignores {1} of run '{2}' from {3}.", _request.RunId, typeof(T).Name, message.RunId, Sender);
            return;
        }
        handle(message);
    }

    // ---- joining -------------------------------------------------------------------------------

    private void OnRegisterWorker(RegisterWorker register)
    {
        if (register.ProtocolVersion != MessagePackMessageSerializer.ProtocolVersion)
        {
            Sender.Tell(new WorkerRefused(_request.RunId, $"protocol v{register.ProtocolVersion}, the coordinator speaks v{MessagePackMessageSerializer.ProtocolVersion}"));
            return;
        }
        if (_runFinished)
            return;
        if (!_workers.ContainsKey(Sender))
        {
            if (_workers.Values.Any(w => w.Id == register.WorkerId))
            {
                // A worker of that name restarted: the old incarnation is gone.
                var old = _workers.First(w => w.Value.Id == register.WorkerId).Key;
                LoseWorker(old, "re-registered");
            }
            _workers[Sender] = new WorkerSlot(register.WorkerId);
            Context.Watch(Sender);
            _log.Info("Worker {0} joined from {1}.", register.WorkerId, Sender.Path.Address);
        }
        _wire.Send(Sender, new WorkerWelcome(_request.RunId, _request.Definition, _trainBytes, _validationBytes), Self);
    }

    private void OnRegisterNode(RegisterNode register)
    {
        if (register.ProtocolVersion != MessagePackMessageSerializer.ProtocolVersion)
            return;
        _nodes.Add(Sender);
        Sender.Tell(new NodeRegistered(_request.RunId));
    }

    private void OnWorkerReady(WorkerReady ready)
    {
        if (!_workers.TryGetValue(Sender, out var slot))
            return;
        if (!slot.Ready)
            Publish($"worker {slot.Id} ready");
        slot.Ready = true;
        if (!_running)
            return;
        if (_request.Definition.Mode == TrainingMode.Async)
            AssignAsync(Sender, slot);
        else if (_workers.Values.Count(w => w.Assignment is not null) == 0 && !_finishing)
            ScheduleStep();   // the step was waiting for workers
    }

    private IEnumerable<KeyValuePair<IActorRef, WorkerSlot>> Live => _workers.Where(w => w.Value.Ready).OrderBy(w => w.Value.Id, StringComparer.Ordinal);

    // ---- the run -------------------------------------------------------------------------------

    private void OnRunReady(RunReady ready)
    {
        Timers.Cancel("begin");
        WatchServer(Sender);
        if (_awaitingServer)
        {
            ResumeWithServer(ready);
            return;
        }
        if (_running || _runFinished)
            return;
        _running = true;
        _step = ready.Step;
        _startStep = ready.Step;
        _appliedUpdates = ready.Step;
        _nextSequence = ready.Step;
        _log.Info("Run '{0}' starts at step {1} of {2}: {3}.", _request.RunId, _step, _request.TargetSteps, ready.Note);
        _trainingClock.Start();
        Publish(ready.Note);
        if (Done)
        {
            Finish();
            return;
        }
        if (_request.Definition.Mode == TrainingMode.Async)
        {
            foreach (var (worker, slot) in Live.ToList())
                AssignAsync(worker, slot);
        }
        else
        {
            ScheduleStep();
        }
    }

    private bool Done => (_request.Definition.Mode == TrainingMode.Async
        ? _appliedUpdates >= _request.TargetSteps * _microBatches
        : _step >= _request.TargetSteps) || OutOfTime;

    private bool OutOfTime => _request.TimeBudget is { } budget && _trainingClock.Elapsed >= budget;

    private void ScheduleStep()
    {
        var live = Live.ToList();
        if (live.Count < Math.Max(1, _running && _step == _startStep ? _request.MinWorkers : 1))
        {
            _log.Info("Run '{0}': step {1} waits for workers ({2} ready, {3} needed).", _request.RunId, _step, live.Count, Math.Max(1, _request.MinWorkers));
            return;
        }
        int k = Math.Min(live.Count, _microBatches);
        for (int i = 0; i < k; i++)
        {
            int lo = i * _microBatches / k, hi = (i + 1) * _microBatches / k;
            Assign(live[i].Key, live[i].Value, Enumerable.Range(lo, hi - lo).ToArray());
        }
        _stepInFlight = true;
        _stepClock.Restart();
        _stepComputeMs = 0;
        _stepWaitMs = 0;
        _refusals.Clear();
        ArmDeadline();
    }

    private void Assign(IActorRef worker, WorkerSlot slot, int[] microBatches)
    {
        slot.Assignment = slot.Assignment is null ? microBatches : slot.Assignment.Concat(microBatches).ToArray();
        worker.Tell(new AssignWork(_request.RunId, _step, microBatches));
    }

    /// <summary>
    /// A step's deadline: --step-timeout at most, but once step times are known, 10× the average
    /// (at least 2 s), so a silent worker is noticed long before the Split Brain Resolver's 20 s.
    /// </summary>
    private void ArmDeadline()
    {
        var timeout = _request.StepTimeout;
        if (_timings.Count >= 3)
        {
            var adaptive = TimeSpan.FromMilliseconds(Math.Max(2000, 10 * _timings.Average(t => t.StepMs)));
            if (adaptive < timeout)
                timeout = adaptive;
        }
        Timers.StartSingleTimer("deadline", new StepDeadline(_step), timeout);
    }

    private void OnWorkDone(WorkDone done)
    {
        if (!_workers.TryGetValue(Sender, out var slot))
            return;
        if (_request.Definition.Mode == TrainingMode.Async)
        {
            slot.Assignment = null;
            if (_running && !_finishing)
                AssignAsync(Sender, slot);
            return;
        }
        if (done.Step == _step - 1 && _timings.Count > 0)
        {
            // The parameter server may report the step applied before the worker's WorkDone
            // arrives (the gradient is the last thing the worker sends for a step): the timing of
            // that step is amended rather than losing its compute time.
            _shares[slot.Id] = _shares.GetValueOrDefault(slot.Id) + 1;
            var last = _timings[^1];
            var amended = last with { ComputeMs = Math.Max(last.ComputeMs, done.ComputeMs), WaitMs = Math.Max(last.WaitMs, done.WaitMs) };
            _timings[^1] = amended;
            if (_measured.Count > 0 && ReferenceEquals(_measured[^1], last))
                _measured[^1] = amended;
            return;
        }
        if (done.Step != _step)
            return;
        slot.Assignment = null;
        _shares[slot.Id] = _shares.GetValueOrDefault(slot.Id) + 1;
        _stepComputeMs = Math.Max(_stepComputeMs, done.ComputeMs);
        _stepWaitMs = Math.Max(_stepWaitMs, done.WaitMs);
    }

    private void OnStepApplied(StepApplied applied)
    {
        if (_request.Definition.Mode == TrainingMode.Async)
        {
            _appliedUpdates = applied.Step + 1;
            _trainLoss = applied.TrainLoss;
            _maxStaleness = Math.Max(_maxStaleness, applied.MaxStaleness);
            _step = _appliedUpdates / _microBatches;
            MarkTiming(_appliedUpdates);
            if (_appliedUpdates % _microBatches == 0)
                Publish(null);
            if (Done && !_finishing)
                Finish();
            return;
        }
        if (applied.Step != _step)
            return;
        _stepInFlight = false;
        _trainLoss = applied.TrainLoss;
        var timing = new StepTiming(_stepClock.Elapsed.TotalMilliseconds, _stepComputeMs, _stepWaitMs, applied.ReduceMs, applied.ApplyMs);
        _timings.Add(timing);
        if (_step - _startStep >= 10)
            _measured.Add(timing);
        if (_timings.Count > 20)
            _timings.RemoveAt(0);
        foreach (var slot in _workers.Values)
            slot.Assignment = null;
        _step = applied.Step + 1;
        MarkTiming(_step);
        Timers.Cancel("deadline");
        if (_request.ValidateEvery > 0 && _step % _request.ValidateEvery == 0 && !Done)
            RequestEvaluation();
        Publish(null);
        if (Done || _stopRequested)
            Finish();
        else
            ScheduleStep();
    }

    private void MarkTiming(long progress)
    {
        // Tokens/s are measured over the steps after the first 10 of this session (warm-up excluded).
        if (_timedFromStep < 0 && progress - _startStep >= (_request.Definition.Mode == TrainingMode.Async ? 10L * _microBatches : 10))
        {
            _timedFromStep = progress;
            _runClock.Restart();
        }
    }

    private double TokensPerSecond
    {
        get
        {
            if (_timedFromStep < 0 || _runClock.Elapsed.TotalSeconds <= 0)
                return 0;
            double progressed = _request.Definition.Mode == TrainingMode.Async
                ? (double)(_appliedUpdates - _timedFromStep) / _microBatches
                : _step - _timedFromStep;
            return progressed * _request.TokensPerStep / _runClock.Elapsed.TotalSeconds;
        }
    }

    // ---- failures ------------------------------------------------------------------------------

    private void WatchServer(IActorRef server)
    {
        _serverKnown = true;
        if (server.Equals(_server) || server.IsNobody())
            return;
        if (_server is not null)
            Context.Unwatch(_server);
        _server = server;
        Context.Watch(server);
    }

    /// <summary>
    /// The parameter server died (process killed, node removed). Its last checkpoint holds the
    /// run: ask until a restarted server has loaded it, then continue from its step.
    /// </summary>
    private void LoseServer(string why)
    {
        if (_awaitingServer || _runFinished)
            return;
        _log.Warning("Run '{0}': lost the parameter server ({1}) at step {2}; waiting for it to come back.", _request.RunId, why, _step);
        Publish($"parameter server lost ({why}); waiting for it to resume from its last checkpoint");
        if (_server is not null)
            Context.Unwatch(_server);
        _server = null;
        _awaitingServer = true;
        _stepInFlight = false; // the restarted server redoes the step; ResumeWithServer schedules it
        Timers.Cancel("deadline");
        foreach (var slot in _workers.Values)
            slot.Assignment = null;
        Timers.StartPeriodicTimer("begin", BeginTick.Instance, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(3));
    }

    private void ResumeWithServer(RunReady ready)
    {
        _awaitingServer = false;
        _log.Info("Run '{0}': the parameter server is back at step {1} ({2}).", _request.RunId, ready.Step, ready.Note);
        Publish($"parameter server back at step {ready.Step}");
        _step = ready.Step;
        _appliedUpdates = ready.Step;
        _nextSequence = ready.Step;
        _retry.Clear();
        if (_finishing)
        {
            _finishing = false;
            Finish();
            return;
        }
        if (Done)
            Finish();
        else if (_request.Definition.Mode == TrainingMode.Async)
            foreach (var (worker, slot) in Live.ToList())
                AssignAsync(worker, slot);
        else
            ScheduleStep();
    }

    private void LoseWorker(IActorRef worker, string why)
    {
        if (!_workers.Remove(worker, out var slot))
            return;
        Context.Unwatch(worker);
        _log.Warning("Run '{0}': worker {1} lost ({2}) at step {3}{4}.", _request.RunId, slot.Id, why, _step,
            slot.Assignment is null ? "" : $" holding micro-batches [{string.Join(",", slot.Assignment)}]");
        Publish($"worker {slot.Id} lost ({why})");
        if (_finishing && _evaluationPending)
        {
            if (Live.Any())
                RequestEvaluation();
            else
            {
                _evaluationPending = false;
                _parameterServer.Tell(new FinishRun(_request.RunId));
            }
        }
        if (!_running || _finishing)
            return;
        if (_request.Definition.Mode == TrainingMode.Async)
        {
            if (slot.Assignment is { Length: > 0 })
                _retry.Enqueue(slot.Assignment[0]);
            foreach (var (w, s) in Live.Where(l => l.Value.Assignment is null).ToList())
                AssignAsync(w, s);
            return;
        }
        if (slot.Assignment is not null)
            _parameterServer.Tell(new QueryMissing(_request.RunId, _step));
    }

    private void OnStepDeadline(StepDeadline deadline)
    {
        if (!_running || _finishing || deadline.Step != _step || _request.Definition.Mode == TrainingMode.Async)
            return;
        _log.Warning("Run '{0}': step {1} missed its deadline; asking what is missing.", _request.RunId, _step);
        foreach (var slot in _workers.Values)
            slot.Assignment = null; // whatever is still missing gets handed out again
        _parameterServer.Tell(new QueryMissing(_request.RunId, _step));
        ArmDeadline();
    }

    private void OnMissing(MissingMicroBatches missing)
    {
        if (missing.Step != _step || _finishing || missing.MicroBatches.Length == 0)
            return;
        var outstanding = _workers.Values.Where(w => w.Assignment is not null).SelectMany(w => w.Assignment!).ToHashSet();
        var orphans = missing.MicroBatches.Where(m => !outstanding.Contains(m)).ToArray();
        if (orphans.Length == 0)
            return;
        var live = Live.ToList();
        if (live.Count == 0)
        {
            _log.Warning("Run '{0}': micro-batches [{1}] of step {2} wait for a worker.", _request.RunId, string.Join(",", orphans), _step);
            return;
        }
        // Idle workers first, then the least loaded; contiguous shares keep pre-reduction possible.
        var order = live.OrderBy(l => l.Value.Assignment?.Length ?? 0).ToList();
        int k = Math.Min(order.Count, orphans.Length);
        for (int i = 0; i < k; i++)
        {
            int lo = i * orphans.Length / k, hi = (i + 1) * orphans.Length / k;
            var share = orphans[lo..hi];
            _log.Info("Run '{0}': step {1} micro-batches [{2}] reassigned to {3}.", _request.RunId, _step, string.Join(",", share), order[i].Value.Id);
            Assign(order[i].Key, order[i].Value, share);
        }
    }

    private void OnGradientRefused(GradientRefused refused)
    {
        if (_request.Definition.Mode == TrainingMode.Async)
        {
            if (!refused.Reason.StartsWith(GradientRefusals.Stale, StringComparison.Ordinal) && CountRefusal((int)(refused.Step % _microBatches), refused))
                return;
            _retry.Enqueue(refused.Step);
            return;
        }
        if (refused.Step != _step)
            return;
        // A duplicate of a re-handed share is refused as overlapping: that is no fault of the data.
        bool duplicate = refused.Reason.StartsWith(GradientRefusals.Overlap, StringComparison.Ordinal);
        if (duplicate)
            return;
        for (int m = refused.Lo; m < refused.Hi; m++)
            if (CountRefusal(m, refused))
                return;
        foreach (var slot in _workers.Values.Where(w => w.Id == refused.WorkerId))
            slot.Assignment = null;
        _parameterServer.Tell(new QueryMissing(_request.RunId, _step));
    }

    /// <summary>True when the run was aborted: the same micro-batch failed too often to blame one worker.</summary>
    private bool CountRefusal(int microBatch, GradientRefused refused)
    {
        int count = _refusals.GetValueOrDefault(microBatch) + 1;
        _refusals[microBatch] = count;
        if (count < MaxRefusalsPerMicroBatch)
            return false;
        EndRun(false, $"training diverged: the gradient of step {refused.Step} micro-batch {microBatch} was refused {count} times ({refused.Reason}); " +
                      "lower --lr or --clip, or check the data. The last good checkpoint is kept.");
        return true;
    }

    // ---- async ---------------------------------------------------------------------------------

    private void AssignAsync(IActorRef worker, WorkerSlot slot)
    {
        if (!slot.Ready || slot.Assignment is not null || _finishing)
            return;
        long sequence = _retry.Count > 0 ? _retry.Dequeue() : _nextSequence++;
        slot.Assignment = [(int)(sequence % _microBatches)];
        worker.Tell(new AssignWork(_request.RunId, sequence, [(int)(sequence % _microBatches)]));
    }

    // ---- the end -------------------------------------------------------------------------------

    private void RequestEvaluation()
    {
        if (_request.ValidationTokens.Length < 2)
            return;
        var worker = Live.Select(l => l.Key).FirstOrDefault();
        if (worker is null)
            return;
        worker.Tell(new EvaluateRequest(_request.RunId, _request.Definition.Mode == TrainingMode.Async ? _appliedUpdates : _step));
    }

    private void OnEvaluation(EvaluationResult result)
    {
        _validationLoss = result.Loss;
        _parameterServer.Tell(new RecordValidation(_request.RunId, result.Version, result.Loss));
        Publish(FormattableString.Invariant($"validation loss {result.Loss:F4} at step {result.Version} ({_trainingClock.Elapsed.TotalSeconds:F0} s)"));
        if (_evaluationPending)
        {
            _evaluationPending = false;
            Timers.Cancel("evaluation");
            _parameterServer.Tell(new FinishRun(_request.RunId));
        }
    }

    /// <summary>
    /// The end: a last validation (recorded in the history first), then the final checkpoint.
    /// Messages to the parameter server arrive in order, so the checkpoint holds the result.
    /// </summary>
    private void Finish()
    {
        if (_finishing)
            return;
        _finishing = true;
        _runClock.Stop(); // tokens/s covers training steps, not the final validation and checkpoint
        Timers.Cancel("deadline");
        if (_request.ValidationTokens.Length >= 2 && Live.Any())
        {
            _evaluationPending = true;
            RequestEvaluation();
            Timers.StartSingleTimer("evaluation", EvaluationDeadline.Instance, TimeSpan.FromMinutes(5));
        }
        else
        {
            _parameterServer.Tell(new FinishRun(_request.RunId));
        }
    }

    private void OnRunFinished(RunFinished finished)
    {
        _runFinished = true;
        _step = _request.Definition.Mode == TrainingMode.Async ? finished.Step / _microBatches : finished.Step;
        TryCompleteFinish();
    }

    private void TryCompleteFinish()
    {
        if (!_runFinished || _evaluationPending)
            return;
        string message = _stopRequested && !Done ? $"stopped at step {_step}"
            : OutOfTime && _step < _request.TargetSteps ? FormattableString.Invariant($"time budget of {_request.TimeBudget!.Value.TotalSeconds:F0} s used up at step {_step}")
            : $"finished at step {_step}";
        if (_shares.Count > 0)
            message += $"; shares computed per worker: {string.Join(", ", _shares.Select(s => $"{s.Key}={s.Value}"))}";
        if (_request.Definition.Mode == TrainingMode.Async)
            message += $" (max staleness applied {_maxStaleness}, bound {_request.Definition.Staleness})";
        EndRun(true, message);
    }

    private void EndRun(bool success, string message)
    {
        if (_workers.Count == 0 && _nodes.Count == 0 && !success)
            _log.Error("Run '{0}' failed: {1}", _request.RunId, message);
        var outcome = new RunOutcome(_request.RunId, success, _step, TokensPerSecond, _trainLoss, _validationLoss, message,
            _request.Definition.Mode == TrainingMode.Async ? _maxStaleness : null, Mean(_measured.Count > 0 ? _measured : _timings),
            _measured.Count == 0 ? null : new StepSpread(Median(_measured.Select(t => t.StepMs)), _measured.Max(t => t.StepMs)));
        var ended = new RunEnded(_request.RunId, success, $"{message}\n{outcome.SummaryLine}");
        foreach (var worker in _workers.Keys)
            worker.Tell(ended);
        foreach (var node in _nodes)
            node.Tell(ended);
        Context.System.EventStream.Publish(outcome);
        if (success)
            _log.Info("Run '{0}' {1}.", _request.RunId, message);
        else
            _log.Error("Run '{0}' failed: {1}", _request.RunId, message);
        _running = false;
        _runFinished = true;
        Timers.CancelAll();
        Become(Ended(ended));
    }

    private Action Ended(RunEnded ended) => () =>
    {
        Receive<RegisterNode>(_ => Sender.Tell(ended));
        Receive<RegisterWorker>(_ => Sender.Tell(ended));
        ReceiveAny(_ => { });
    };

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }

    /// <summary>The summary uses every step after the first 10 (the steps of its tokens/s); live progress the last 20.</summary>
    private static StepTiming Mean(IReadOnlyList<StepTiming> timings) => timings.Count == 0
        ? new StepTiming(0, 0, 0, 0, 0)
        : new StepTiming(timings.Average(t => t.StepMs), timings.Average(t => t.ComputeMs), timings.Average(t => t.WaitMs),
            timings.Average(t => t.ReduceMs), timings.Average(t => t.ApplyMs));

    private void Publish(string? note)
    {
        var timing = Mean(_timings);
        double epoch = (double)_step * _request.Definition.Settings.Batch / _request.WindowsPerEpoch;
        Context.System.EventStream.Publish(new RunProgress(_request.RunId, _step, _request.TargetSteps, epoch, _trainLoss, _validationLoss,
            TokensPerSecond, _workers.Values.Count(w => w.Ready), _lastCheckpoint, timing, note));
    }

    private sealed class WorkerSlot(string id)
    {
        public string Id { get; } = id;
        public bool Ready { get; set; }
        public int[]? Assignment { get; set; }
    }

    private sealed record BeginTick : INoSerializationVerificationNeeded
    {
        public static readonly BeginTick Instance = new();
    }

    private sealed record StepDeadline(long Step) : INoSerializationVerificationNeeded;

    private sealed record DownIfStillUnreachable(Member Member) : INoSerializationVerificationNeeded;

    private sealed record EvaluationDeadline : INoSerializationVerificationNeeded
    {
        public static readonly EvaluationDeadline Instance = new();
    }
}
