using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using RnnCluster.Core.Model;
using RnnCluster.Core.Steps;
using RnnCluster.Training.Coordinator;
using RnnCluster.Training.Node;
using RnnCluster.Training.ParameterServer;
using RnnCluster.Training.Runtime;
using RnnCluster.Training.Wire;

namespace RnnCluster.Training.Worker;

/// <summary>
/// Holds a model replica and computes the gradients of the micro-batches it is assigned, at the
/// parameter version of their step. It never decides what to train on and never applies updates.
/// The math runs on its own <see cref="ComputeThread"/>; this actor only moves messages.
/// </summary>
public sealed class WorkerActor : ReceiveActor, IWithTimers
{
    private readonly bool _roundTrip = ForcedSerialization.IsOn(Context.System);

    protected override bool AroundReceive(Receive receive, object message) =>
        base.AroundReceive(receive, _roundTrip ? ForcedSerialization.RoundTrip(Context.System, message) : message);

    private readonly string _workerId;
    private readonly IActorRef _coordinator;
    private readonly IActorRef _parameterServer;
    private readonly WorkerFaults _faults;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly ComputeThread _thread;
    private readonly Courier _wire = Courier.For(Context.System);
    private IActorRef? _parameterServerDirect; // the run's state actor itself, learnt from its replies
    private IActorRef? _coordinatorDirect;     // the coordinator singleton that welcomed us, watched

    private WorkerWelcome? _run;
    // The replica is built, used and disposed on the compute thread only: work posted after the
    // welcome runs after the build, whenever the actor sees it.
    private ShareComputer? _share;
    private Evaluator? _evaluator;
    private bool _engineReady;              // the replica exists; only then is this worker "ready"
    private ParametersAvailable? _parameters;
    private readonly Queue<AssignWork> _pending = new();
    private const long NotRequested = long.MinValue;
    private long _requestedVersion = NotRequested; // asked for, not yet answered
    private long _answeredFor = NotRequested;      // the version the cached parameters were last fetched for
    private bool _busy;
    private bool _crashed;
    private bool _corrupted;
    private readonly Dictionary<long, EvaluateRequest> _evaluations = new();
    private readonly Stopwatch _idle = new();

    /// <param name="cpuSlot">Which of the process's CPUs its compute thread is bound to, or -1 to leave placement to the OS.</param>
    public WorkerActor(string workerId, IActorRef coordinator, IActorRef parameterServer, WorkerFaults faults, int cpuSlot = -1)
    {
        _workerId = workerId;
        _coordinator = coordinator;
        _parameterServer = parameterServer;
        _faults = faults;
        _thread = new ComputeThread($"worker-{workerId}", cpuSlot);

        Receive<RegisterTick>(_ => _coordinator.Tell(new RegisterWorker(_workerId, MessagePackMessageSerializer.ProtocolVersion)));
        Receive<WorkerWelcome>(OnWelcome);
        Receive<RetryParameters>(_ =>
        {
            // Ask through the singleton proxy again: the server we knew may be gone.
            _requestedVersion = NotRequested;
            _parameterServerDirect = null;
            TryStart();
        });
        Receive<WorkerRefused>(m => _log.Error("Worker {0} refused by the coordinator: {1}", _workerId, m.Reason));
        Receive<EngineReady>(m => OnEngineReady(m));
        Receive<AssignWork>(m => ForThisRun(m, OnAssignment));
        Receive<ParametersAvailable>(m => ForThisRun(m, OnParameters));
        Receive<AsyncVerdict>(m => ForThisRun(m, OnVerdict));
        Receive<EvaluateRequest>(m => ForThisRun(m, OnEvaluate));
        Receive<ShareDone>(OnShareDone);
        Receive<EvaluationDone>(m => _coordinator.Tell(new EvaluationResult(m.RunId, m.Version, m.Loss, _workerId)));
        Receive<InjectedCrash>(m => throw new InjectedWorkerCrashException(_workerId, m.Step));
        Receive<ComputeFailed>(m => throw new InvalidOperationException($"Worker {_workerId} failed computing step {m.Step}: {m.Error.Message}", m.Error));
        Receive<RunEnded>(m => ForThisRun(m, _ =>
        {
            Context.Parent.Tell(new WorkerFinished(m.RunId));
            Context.Stop(Self);
        }));
        Receive<Terminated>(t =>
        {
            if (!t.ActorRef.Equals(_coordinatorDirect))
                return;
            // The coordinator died (its node failed or moved): forget its assignments and
            // register with whichever coordinator comes next; the model replica stays.
            _log.Warning("Worker {0}: the coordinator is gone; registering again.", _workerId);
            _coordinatorDirect = null;
            _pending.Clear();
            Timers.StartPeriodicTimer("register", RegisterTick.Instance, TimeSpan.Zero, TimeSpan.FromSeconds(1));
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(string workerId, IActorRef coordinator, IActorRef parameterServer, WorkerFaults? faults = null, int cpuSlot = -1) =>
        Akka.Actor.Props.Create(() => new WorkerActor(workerId, coordinator, parameterServer, faults ?? WorkerFaults.None, cpuSlot));

    protected override void PreStart() =>
        Timers.StartPeriodicTimer("register", RegisterTick.Instance, TimeSpan.Zero, TimeSpan.FromSeconds(1));

    protected override void PostStop()
    {
        _thread.Post(() =>
        {
            _share?.Dispose();
            _evaluator?.Dispose();
        });
        _thread.Dispose();
    }

    private void ForThisRun<T>(T message, Action<T> handle) where T : IRunMessage
    {
        if (_run is null || message.RunId != _run.RunId)
        {
            _log.Warning("Worker {0} ignores {1} of run '{2}' (current run: '{3}').", _workerId, typeof(T).Name, message.RunId, _run?.RunId ?? "none");
            return;
        }
        handle(message);
    }

    private void OnWelcome(WorkerWelcome welcome)
    {
        if (!Sender.IsNobody() && !Sender.Equals(_coordinatorDirect))
        {
            if (_coordinatorDirect is not null)
                Context.Unwatch(_coordinatorDirect);
            _coordinatorDirect = Sender;
            Context.Watch(Sender);
        }
        if (_run is not null)
        {
            // A second welcome of the same run (the register timer fired again, or a new coordinator)
            // is answered once the replica exists; before that, EngineReady answers it.
            if (welcome.RunId == _run.RunId)
            {
                if (_engineReady)
                    _coordinator.Tell(new WorkerReady(_run.RunId, _workerId));
            }
            else
                _log.Warning("Worker {0} is busy with run '{1}' and ignores a welcome to run '{2}'.", _workerId, _run.RunId, welcome.RunId);
            return;
        }
        var train = IntBytes.ToArray(welcome.TrainTokens);
        var validation = IntBytes.ToArray(welcome.ValidationTokens);
        string hash = CorpusFingerprint.Of(train, validation);
        if (hash != welcome.Definition.CorpusHash)
        {
            string reason = $"corpus hash mismatch: received data hashes to {hash[..16]}…, the run expects {welcome.Definition.CorpusHash[..Math.Min(16, welcome.Definition.CorpusHash.Length)]}…";
            _log.Error("Worker {0} rejects run '{1}': {2}", _workerId, welcome.RunId, reason);
            _coordinator.Tell(new WorkerRefused(welcome.RunId, $"{_workerId}: {reason}"));
            Context.Parent.Tell(new WorkerGaveUp($"refused run '{welcome.RunId}': {reason}"));
            Context.Stop(Self);
            return;
        }
        if (_faults.Expect?.Difference(welcome.Definition) is { } expected)
        {
            _log.Error("Worker {0} refuses run '{1}': {2}", _workerId, welcome.RunId, expected);
            _coordinator.Tell(new WorkerRefused(welcome.RunId, $"{_workerId}: {expected}"));
            Context.Parent.Tell(new WorkerGaveUp($"refused run '{welcome.RunId}': {expected}"));
            Context.Stop(Self);
            return;
        }
        ModelDescription model;
        Core.Optim.TrainingSettings settings;
        try
        {
            model = welcome.Definition.Model.ToModel();
            settings = welcome.Definition.Settings.ToSettings();
        }
        catch (Exception e) when (e is ArgumentException or InvalidDataException)
        {
            _log.Error("Worker {0} rejects run '{1}': {2}", _workerId, welcome.RunId, e.Message);
            _coordinator.Tell(new WorkerRefused(welcome.RunId, $"{_workerId}: {e.Message}"));
            return;
        }
        _run = welcome;
        Timers.Cancel("register");
        var self = Self;
        _thread.Post(() =>
        {
            _share = new ShareComputer(model, settings, train);
            _evaluator = new Evaluator(model, settings.SeqLen, validation);
            self.Tell(new EngineReady(welcome.RunId));
        });
    }

    private void OnEngineReady(EngineReady ready)
    {
        _engineReady = true;
        _coordinator.Tell(new WorkerReady(ready.RunId, _workerId));
        _idle.Restart();
    }

    private void OnAssignment(AssignWork work)
    {
        _pending.Enqueue(work);
        TryStart();
    }

    private void OnParameters(ParametersAvailable parameters)
    {
        StepTrace.Mark(StepTrace.ParametersReceived, parameters.Version);
        _parameterServerDirect = Sender;
        // The answer to our request is the server's truth even when it is older than the cache:
        // a parameter server restarted from its last checkpoint serves that checkpoint's version.
        bool answer = _requestedVersion != NotRequested && parameters.Version >= _requestedVersion;
        if (_parameters is null || parameters.Version >= _parameters.Version || answer)
            KeepParameters(parameters);
        else
            TensorPool.Return(parameters.Parameters);
        if (answer)
        {
            _answeredFor = _requestedVersion;
            _requestedVersion = NotRequested;
        }
        TryStart();
        TryEvaluate();
    }

    /// <summary>
    /// The newest parameters replace the cached ones, whose blob goes back to the pool — through
    /// the compute thread, behind any posted compute or evaluation still reading it. Each message
    /// owns its blob once, even when the server sent the same version's blob twice (a repeated
    /// request): the replaced message's share is returned, the array lives on in the new one.
    /// </summary>
    private void KeepParameters(ParametersAvailable parameters)
    {
        var replaced = _parameters;
        _parameters = parameters;
        if (replaced is not null && !ReferenceEquals(replaced, parameters))
            _thread.Post(() => TensorPool.Return(replaced.Parameters));
    }

    private void TryStart()
    {
        if (_busy || _pending.Count == 0 || _run is null)
            return;
        bool sync = _run.Mode == TrainingMode.Sync;
        long needed = sync ? _pending.Peek().Step : -1;
        if (_parameters is not null && (!sync || _parameters.Version == needed))
        {
            Timers.Cancel("await-parameters");
            Compute(_pending.Dequeue(), _parameters);
            return;
        }
        if (_parameters is not null && _parameters.Version > needed && _answeredFor == needed)
        {
            // The server itself is past this step (someone else finished it): nothing to do.
            _log.Debug("Worker {0} drops the stale assignment of step {1} (the server is at {2}).", _workerId, needed, _parameters.Version);
            _pending.Dequeue();
            TryStart();
            return;
        }
        RequestParameters(needed);
        // A reply can be lost with a connection or a failed-over server: ask again if nothing comes.
        if (!Timers.IsTimerActive("await-parameters"))
            Timers.StartSingleTimer("await-parameters", RetryParameters.Instance, TimeSpan.FromSeconds(5));
    }

    private void Compute(AssignWork work, ParametersAvailable parameters)
    {
        _busy = true;
        double waitMs = _idle.Elapsed.TotalMilliseconds;
        var self = Self;
        var ps = _parameterServerDirect ?? _parameterServer;
        var wire = _wire;
        string runId = _run!.RunId, workerId = _workerId;
        int m = _run.Definition.Settings.MicroBatches;
        bool async = _run.Mode == TrainingMode.Async;
        long step = async ? work.Step / m : work.Step;
        int[] microBatches = async ? [(int)(work.Step % m)] : work.MicroBatches;
        bool crash = !_crashed && _faults.CrashAtStep == work.Step && !async;
        bool corrupt = !_corrupted && _faults.CorruptAtStep == work.Step;
        _crashed |= crash;
        _corrupted |= corrupt;
        long version = parameters.Version;
        _thread.Post(() =>
        {
            var share = _share!;
            var clock = Stopwatch.StartNew();
            bool stop = false;
            try
            {
                StepTrace.Mark(StepTrace.ComputeStarted, step);
                share.SetParameters(FloatBytes.View(parameters.Parameters));
                share.Compute(step, microBatches, (node, offset, gradient, loss) =>
                {
                    StepTrace.Mark(offset == 0 ? StepTrace.GradientReady : StepTrace.GradientPartReady, step);
                    var bytes = FloatBytes.Pooled(gradient);
                    if (corrupt)
                    {
                        bytes.AsSpan(0, 4).Clear();
                        BitConverter.TryWriteBytes(bytes.AsSpan(0, 4), float.NaN);
                        corrupt = false;
                    }
                    wire.SendTensor(ps, new GradientComputed(runId, async ? work.Step : step, node.Lo, node.Hi, bytes, loss.Sum, loss.Tokens, workerId, version, offset), bytes, self);
                    if (crash)
                        stop = true; // the rest of the share dies with the worker
                }, () => stop, stream: !async);
            }
            catch (Exception e)
            {
                self.Tell(new ComputeFailed(work.Step, e));
                return;
            }
            if (stop)
                self.Tell(new InjectedCrash(work.Step));
            else
                self.Tell(new ShareDone(work.Step, clock.Elapsed.TotalMilliseconds, waitMs));
        });
        // Ask for the next version now: the server then sends it the moment it is applied,
        // instead of when this actor gets round to asking after the share is done.
        if (!async)
            RequestParameters(step + 1);
    }

    private void RequestParameters(long version)
    {
        if (_requestedVersion == version)
            return;
        _requestedVersion = version;
        (_parameterServerDirect ?? _parameterServer).Tell(new RequestParameters(_run!.RunId, version, _workerId));
    }

    private void OnShareDone(ShareDone done)
    {
        _busy = false;
        _idle.Restart();
        _coordinator.Tell(new WorkDone(_run!.RunId, done.Step, _workerId, done.ComputeMs, done.WaitMs));
        TryStart();
    }

    private void OnVerdict(AsyncVerdict verdict)
    {
        _parameterServerDirect = Sender;
        if (_parameters is null || verdict.CurrentVersion >= _parameters.Version)
            KeepParameters(new ParametersAvailable(verdict.RunId, verdict.CurrentVersion, verdict.Parameters));
        else
            TensorPool.Return(verdict.Parameters);
        TryStart();
        TryEvaluate();
    }

    private void OnEvaluate(EvaluateRequest request)
    {
        _evaluations[request.Version] = request;
        TryEvaluate();
    }

    private void TryEvaluate()
    {
        if (_parameters is null || TakeEvaluation(_parameters.Version) is not { } request)
        {
            if (_evaluations.Count > 0 && _parameters is not null && _evaluations.Keys.Min() > _parameters.Version)
                _parameterServer.Tell(new RequestParameters(_run!.RunId, _evaluations.Keys.Min(), _workerId));
            return;
        }
        var parameters = _parameters;
        var self = Self;
        _thread.Post(() =>
        {
            double loss = _evaluator!.MeanLoss(FloatBytes.View(parameters.Parameters));
            self.Tell(new EvaluationDone(request.RunId, parameters.Version, loss));
        });
    }

    /// <summary>
    /// The evaluation these parameters answer: in sync mode the one of exactly their version; in
    /// async mode also an earlier one, since the server goes on applying the shares that were in
    /// flight when the coordinator asked, so the version it named may never be served again.
    /// </summary>
    private EvaluateRequest? TakeEvaluation(long version)
    {
        if (_evaluations.Remove(version, out var exact))
            return exact;
        if (_run?.Mode != TrainingMode.Async)
            return null;
        var earlier = _evaluations.Keys.Where(v => v < version).DefaultIfEmpty(long.MinValue).Max();
        return earlier != long.MinValue && _evaluations.Remove(earlier, out var request) ? request : null;
    }

    private sealed record RegisterTick : INoSerializationVerificationNeeded
    {
        public static readonly RegisterTick Instance = new();
    }

    private sealed record EngineReady(string RunId) : INoSerializationVerificationNeeded;

    private sealed record RetryParameters : INoSerializationVerificationNeeded
    {
        public static readonly RetryParameters Instance = new();
    }

    private sealed record ShareDone(long Step, double ComputeMs, double WaitMs) : INoSerializationVerificationNeeded;

    private sealed record EvaluationDone(string RunId, long Version, double Loss) : INoSerializationVerificationNeeded;

    private sealed record InjectedCrash(long Step) : INoSerializationVerificationNeeded;

    private sealed record ComputeFailed(long Step, Exception Error) : INoSerializationVerificationNeeded;
}
