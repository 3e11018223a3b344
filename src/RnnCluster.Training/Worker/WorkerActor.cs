using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using RnnCluster.Core.Steps;
using RnnCluster.Training.Coordinator;
using RnnCluster.Training.Node;
using RnnCluster.Training.ParameterServer;
using RnnCluster.Training.Runtime;
using RnnCluster.Training.Wire;
using static RnnCluster.Training.Worker.WorkerSignals;

namespace RnnCluster.Training.Worker;

/// <summary>
/// Holds a model replica and computes the gradients of the micro-batches it is assigned, at the
/// parameter version of their step. It never decides what to train on and never applies updates.
/// The math runs on its own <see cref="ComputeThread"/> (<see cref="ShareTask"/>); what to do next
/// is its <see cref="WorkAgenda"/>'s and <see cref="EvaluationQueue"/>'s. States: Registering →
/// Building (the replica) → Working.
/// </summary>
public sealed class WorkerActor : RunActor, IWithTimers, IWithUnboundedStash
{
    private const string RegisterTimer = "register", ParameterTimer = "await-parameters";
    private readonly string _workerId;
    private readonly IActorRef _coordinator, _parameterServer;
    private readonly WorkerExpectations? _expect; // what this node's own options say the run must be
    private readonly WorkerSettings _settings;
    private readonly FaultPlan _faultPlan;
    private readonly ComputeThread _thread;
    private readonly Courier _wire = Courier.For(Context.System);
    private readonly Stopwatch _idle = new();
    private readonly SliceAssembly<IActorRef> _slices = new(); // a sharded server's slices of each version
    private IActorRef? _parameterServerDirect, _coordinatorDirect; // the run's own server (from its replies), the coordinator that welcomed us
    private WorkerWelcome? _run;
    private WorkAgenda _agenda = new(sync: true);
    private EvaluationQueue _evaluations = new(async: false);
    private ShareComputer? _share;  // the replica: built, used and disposed on the compute thread only
    private Evaluator? _evaluator;

    /// <param name="cpuSlot">Which of the process's CPUs its compute thread is bound to, or -1 to leave placement to the OS.</param>
    public WorkerActor(string workerId, IActorRef coordinator, IActorRef parameterServer, WorkerFaults faults, WorkerSettings settings, int cpuSlot)
    {
        (_workerId, _coordinator, _parameterServer, _expect, _settings) = (workerId, coordinator, parameterServer, faults.Expect, settings);
        _faultPlan = new FaultPlan(faults);
        _thread = new ComputeThread($"worker-{workerId}", cpuSlot);
        Registering();
    }

    public ITimerScheduler Timers { get; set; } = null!;
    public IStash Stash { get; set; } = null!;
    protected override string? RunId => _run?.RunId;

    public static Props Props(string workerId, IActorRef coordinator, IActorRef parameterServer, WorkerFaults? faults = null, int cpuSlot = -1, WorkerSettings? settings = null) =>
        Akka.Actor.Props.Create(() => new WorkerActor(workerId, coordinator, parameterServer, faults ?? WorkerFaults.None, settings ?? WorkerSettings.Default, cpuSlot));

    protected override void PreStart() => Timers.StartPeriodicTimer(RegisterTimer, new RegisterTick(), TimeSpan.Zero, _settings.RegisterInterval);

    protected override void PostStop()
    {
        var parameters = _agenda.Parameters;
        _thread.Post(() => // the replica is the compute thread's
        {
            _share?.Dispose();
            _evaluator?.Dispose();
            parameters?.Parameters.Dispose();
        });
        _thread.Dispose();
        _slices.Dispose();
    }

    private void Registering() // until a welcome to a run it can take arrives
    {
        Receive<RegisterTick>(_ => Register());
        Receive<WorkerWelcome>(OnWelcome);
        Receive<WorkerRefused>(m => Log.Error("Worker {0} refused by the coordinator: {1}", _workerId, m.Reason));
    }

    private void OnWelcome(WorkerWelcome welcome)
    {
        switch (WelcomeCheck.Judge(welcome, _expect))
        {
            case WelcomeCheck.Refused refused:
                Log.Error("Worker {0} refuses run '{1}': {2}", _workerId, welcome.RunId, refused.Reason);
                _coordinator.Tell(new WorkerRefused(welcome.RunId, $"{_workerId}: {refused.Reason}"));
                if (refused.GiveUp)
                {
                    Context.Parent.Tell(new WorkerGaveUp($"refused run '{welcome.RunId}': {refused.Reason}"));
                    Context.Stop(Self);
                }
                return;
            case WelcomeCheck.Accepted run:
                WatchCoordinator(Sender);
                (_run, _agenda, _evaluations) = (welcome, new WorkAgenda(welcome.Mode == TrainingMode.Sync), new EvaluationQueue(welcome.Mode == TrainingMode.Async));
                var self = Self;
                Timers.Cancel(RegisterTimer);
                _thread.Post(() =>
                {
                    _share = new ShareComputer(run.Model, run.Settings, run.Train) { StandIn = _settings.StandInCompute };
                    _evaluator = new Evaluator(run.Model, run.Settings.SeqLen, run.Validation);
                    self.Tell(new ReplicaBuilt());
                });
                Building();
                return;
        }
    }

    private void Building() => Become(() => // the replica is built on the compute thread; work waits for it
    {
        Receive<ReplicaBuilt>(_ =>
        {
            _coordinator.Tell(new WorkerReady(_run!.RunId, _workerId));
            _idle.Restart();
            Become(Working);
            Stash.UnstashAll();
        });
        Receive<WorkerWelcome>(w => WatchCoordinator(Sender));
        ReceiveAny(_ => Stash.Stash());
    });

    private void Working()
    {
        Receive<RegisterTick>(_ => Register());
        Receive<WorkerWelcome>(welcome => // the register timer fired again, or a new coordinator
        {
            WatchCoordinator(Sender);
            Timers.Cancel(RegisterTimer);
            if (welcome.RunId == _run!.RunId)
                _coordinator.Tell(new WorkerReady(_run.RunId, _workerId));
            else
                Log.Warning("Worker {0} is busy with run '{1}' and ignores a welcome to run '{2}'.", _workerId, _run.RunId, welcome.RunId);
        });
        Run<AssignWork>(work =>
        {
            StepTrace.Mark(StepTrace.WorkAssigned, work.Step);
            _faultPlan.DieIfDue(_run!.Mode == TrainingMode.Async ? work.Step / _run.Definition.Settings.MicroBatches : work.Step); // given, not computed: a backup may finish it first
            _agenda.Enqueue(work);
            Next();
        });
        Run<ParametersAvailable>(p => Received(_agenda.Receive(p)));
        Run<ParameterSlice>(s =>
        {
            Context.Watch(Sender); // a shard that stops voids the routes and the version it served
            if (_slices.Receive(s, Sender) is { } whole)
                Received(_agenda.Receive(whole), fromServer: false); // a shard: requests still go to the run
        });
        Run<AsyncVerdict>(v => Received(_agenda.ReceiveCurrent(new ParametersAvailable(v.RunId, v.CurrentVersion, v.Parameters))));
        Receive<RetryParameters>(_ =>
        {
            _agenda.ForgetRequest();
            _parameterServerDirect = null; // ask through the singleton proxy: the server we knew may be gone
            Next();
        });
        Run<EvaluateRequest>(request =>
        {
            _evaluations.Add(request);
            Next();
        });
        Receive<ShareTask.Done>(done =>
        {
            _agenda.Done();
            _idle.Restart();
            _coordinator.Tell(new WorkDone(_run!.RunId, done.Step, _workerId, done.ComputeMs, done.WaitMs, done.Abandoned));
            Next();
        });
        Receive<EvaluationDone>(m => _coordinator.Tell(new EvaluationResult(m.RunId, m.Version, m.Loss, _workerId)));
        Receive<ShareTask.Crashed>(m => throw new InjectedWorkerCrashException(_workerId, m.Step));
        Receive<ShareTask.Failed>(m => throw new InvalidOperationException($"Worker {_workerId} failed computing step {m.Step}: {m.Error.Message}", m.Error));
        Run<RunEnded>(_ =>
        {
            Context.Parent.Tell(new WorkerFinished(_run!.RunId));
            Context.Stop(Self);
        });
        Receive<Terminated>(t =>
        {
            if (t.ActorRef.Equals(_parameterServerDirect))
                _parameterServerDirect = null; // the singleton proxy finds its successor
            if (_slices.Forget(t.ActorRef) && _agenda.Forget() is { } dropped)
                _thread.Post(() => dropped.Parameters.Dispose());
            if (!t.ActorRef.Equals(_coordinatorDirect))
                return;
            // The coordinator died (its node failed or moved): forget its assignments and register
            // with whichever coordinator comes next; the model replica stays.
            Log.Warning("Worker {0}: the coordinator is gone; registering again.", _workerId);
            _coordinatorDirect = null;
            _agenda.Clear();
            Timers.StartPeriodicTimer(RegisterTimer, new RegisterTick(), TimeSpan.Zero, _settings.RegisterInterval);
        });
    }

    /// <summary>Starts what the agenda says, then any validation the current parameters answer.</summary>
    private void Next()
    {
        switch (_agenda.Next())
        {
            case AgendaStep.Compute c:
                Timers.Cancel(ParameterTimer);
                Compute(c);
                break;
            case AgendaStep.AwaitParameters wait:
                if (wait.Ask is { } version)
                    RequestParameters(version);
                if (!Timers.IsTimerActive(ParameterTimer)) // a reply can be lost with a connection or a failed-over server
                    Timers.StartSingleTimer(ParameterTimer, new RetryParameters(), _settings.ParameterRetry);
                break;
        }
        var parameters = _agenda.Parameters;
        if (parameters is not null && _evaluations.Take(parameters.Version) is { } request)
        {
            var self = Self;
            _thread.Post(() => self.Tell(new EvaluationDone(request.RunId, parameters.Version, _evaluator!.MeanLoss(parameters.Parameters.Floats))));
        }
        else if (_evaluations.Wanted(parameters?.Version ?? long.MinValue) is { } wanted) // also with none yet: a run resumed at its last step validates first
            _parameterServer.Tell(new RequestParameters(_run!.RunId, wanted, _workerId));
    }

    private void Compute(AgendaStep.Compute c)
    {
        var task = ShareTask.For(_run!, _workerId, c, _faultPlan, _idle.Elapsed.TotalMilliseconds);
        var (self, ps, wire, routes) = (Self, _parameterServerDirect ?? _parameterServer, _wire, _slices.Routes);
        _thread.Post(() => self.Tell(task.Run(_share!, gradient => routes.Deliver(gradient, ps, (to, message) => wire.SendTensor(to, message, self)))));
        // Ask for the next version now: the server then sends it the moment it is applied,
        // instead of when this actor gets round to asking after the share is done.
        if (!task.Async && _agenda.Ask(c.Work.Step + 1) is { } next)
            RequestParameters(next);
    }

    private void Register() => _coordinator.Tell(new RegisterWorker(_workerId, MessagePackMessageSerializer.ProtocolVersion));

    private void RequestParameters(long version) =>
        (_parameterServerDirect ?? _parameterServer).Tell(new RequestParameters(_run!.RunId, version, _workerId));

    /// <summary>Parameters came from the server (whose own actor answers from now on); those no longer needed go back to the pool through the compute thread, behind any work still reading them.</summary>
    private void Received(ParametersAvailable? unused, bool fromServer = true)
    {
        if (fromServer && !Sender.Equals(_parameterServerDirect))
            Context.Watch(_parameterServerDirect = Sender);
        if (unused is not null)
            _thread.Post(() => unused.Parameters.Dispose());
        Next();
    }

    private void WatchCoordinator(IActorRef coordinator)
    {
        if (coordinator.IsNobody() || coordinator.Equals(_coordinatorDirect))
            return;
        if (_coordinatorDirect is not null)
            Context.Unwatch(_coordinatorDirect);
        Context.Watch(_coordinatorDirect = coordinator);
    }
}
