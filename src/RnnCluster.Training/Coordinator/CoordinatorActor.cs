using Akka.Actor;
using Akka.Event;
using RnnCluster.Training.Node;
using RnnCluster.Training.ParameterServer;
using RnnCluster.Training.Wire;
using RnnCluster.Training.Worker;

namespace RnnCluster.Training.Coordinator;

/// <summary>
/// Owns the run: offers it to the parameter server, welcomes workers, carries out what its
/// <see cref="StepScheduler{TWorker}"/> decides and ends the run. It holds no parameters and does
/// no math; everything needed to resume is in the parameter server's checkpoints. A cluster
/// singleton. States: Offering → Running → Finishing → Ended; losing the server goes back to Offering.
/// </summary>
public sealed class CoordinatorActor : RunActor, IWithTimers
{
    private const string OfferTimer = "offer", DeadlineTimer = "deadline", EvaluationTimer = "evaluation";
    private readonly RunRequest _request;
    private readonly IActorRef _parameterServer;
    private readonly CoordinatorSettings _settings;
    private readonly WorkerRoster<IActorRef> _roster = new();
    private readonly StepScheduler<IActorRef> _scheduler;
    private readonly RunStatus _status;
    private IActorRef _reception = ActorRefs.Nobody;
    private IActorRef? _server;                  // the run's own parameter-server actor, once it answered
    private Action<IActorRef>? _onReady;         // what the current state does when a worker is ready, or lost (with what it held)
    private Action<IActorRef, int[]?>? _onLost;
    private bool _finishing, _evaluating;        // Finishing, and the final checkpoint is not asked for yet

    public CoordinatorActor(RunRequest request, IActorRef parameterServer, CoordinatorSettings settings)
    {
        (_request, _parameterServer, _settings) = (request, parameterServer, settings);
        _scheduler = StepScheduler<IActorRef>.For(request, _roster, settings, TimeProvider.System);
        _status = new RunStatus(request, _scheduler.Statistics, RunLength.Of(request));
        Offering(firstDelay: TimeSpan.Zero);
    }

    public ITimerScheduler Timers { get; set; } = null!;
    protected override string RunId => _request.RunId;

    public static Props Props(RunRequest request, IActorRef parameterServer, CoordinatorSettings? settings = null) =>
        Akka.Actor.Props.Create(() => new CoordinatorActor(request, parameterServer, settings ?? CoordinatorSettings.Default));

    protected override void PreStart() => _reception = Context.ActorOf(Reception.Props(new WorkerWelcome(RunId, _request.Definition,
        IntBytes.From(_request.TrainTokens), IntBytes.From(_request.ValidationTokens)), _settings.WorkerDownAfter), "reception");

    /// <summary>
    /// Offering the run to the parameter server until it is ready: at the start, and after losing
    /// the server, whose restarted successor resumes from its last checkpoint (the run then exists).
    /// </summary>
    private void Offering(TimeSpan firstDelay)
    {
        bool resume = _request.Resume || _server is not null, finishing = _finishing, newSession = _server is null;
        _server = null;
        Timers.StartPeriodicTimer(OfferTimer, new OfferTick(), firstDelay, _settings.BeginRetry);
        Become(() =>
        {
            Receive<OfferTick>(_ => _parameterServer.Tell(new BeginRun(RunId, _request.Definition, resume, _request.TargetSteps, _request.Checkpoints, _request.ParameterServerShards)));
            Run<RunReady>(ready =>
            {
                Timers.Cancel(OfferTimer);
                _reception.Tell(new Reception.Watch(_server = Sender));
                Log.Info("Run '{0}' at step {1} of {2}: {3}.", RunId, ready.Step, _request.TargetSteps, ready.Note);
                Publish(newSession ? ready.Note : $"parameter server back at step {ready.Step}");
                var plan = _scheduler.Begin(ready.Step, newSession);
                if (finishing)
                    Finishing();
                else
                    Running(plan);
            });
            Run<WorkDone>(d => { if (!d.Abandoned) _roster.Release(Sender); });
            Receive<StopGracefully>(_ => { if (newSession) EndRun(false, "interrupted before the run started (nothing was trained)"); else _scheduler.Stop(); });
            Common(finishing: finishing);
        });
    }

    private void Running(StepPlan<IActorRef> first)
    {
        Become(() =>
        {
            Run<WorkDone>(d => Execute(_scheduler.WorkDone(Sender, Observed(d).Step, d.ComputeMs, d.WaitMs, d.Abandoned))); // per-worker times, for observers
            Run<StepApplied>(a => Execute(_scheduler.Applied(a.Step, a.TrainLoss, a.ReduceMs, a.ApplyMs, a.MaxStaleness)));
            Run<MissingMicroBatches>(m => Execute(_scheduler.Missing(m.Step, m.MicroBatches)));
            Run<GradientRefused>(r => Execute(_scheduler.Refused(Observed(r).Step, r.Lo, r.Hi, r.WorkerId, r.Reason)));
            Receive<StepDeadline>(d => Execute(_scheduler.DeadlinePassed(d.Step)));
            Receive<StopGracefully>(stop =>
            {
                Log.Info("Run '{0}': stopping after the current step ({1}).", RunId, stop.Reason);
                Execute(_scheduler.Stop());
            });
            Common(onReady: w => Execute(_scheduler.WorkerReady(w)), onLost: (w, held) => Execute(_scheduler.Lost(w, held)));
        });
        Execute(first);
    }

    private void Execute(StepPlan<IActorRef> plan)
    {
        foreach (var a in plan.Assignments)
            a.Worker.Tell(new AssignWork(RunId, a.Step, a.MicroBatches));
        foreach (var a in plan.Reassigned ? plan.Assignments : [])
            Observed(new WorkerNotice(RunId, _roster.IdOf(a.Worker), WorkerNoticeKind.Backup, a.Step));
        if (plan.Note is not null)
            Log.Info("Run '{0}': {1}.", RunId, plan.Note);
        if (plan.Deadline is { } deadline)
            Timers.StartSingleTimer(DeadlineTimer, new StepDeadline(_scheduler.Step), deadline);
        if (plan.QueryMissing)
            _parameterServer.Tell(new QueryMissing(RunId, _scheduler.Step));
        if (plan.Validate)
            RequestEvaluation();
        if (plan.Progressed)
            Publish(null);
        if (plan.Diverged is not null)
            EndRun(false, plan.Diverged);
        else if (plan.Finish)
            Finishing();
    }

    private void Finishing() // a last validation (recorded in the history first), then the final checkpoint: messages to the server arrive in order
    {
        Timers.Cancel(DeadlineTimer);
        Timers.StartSingleTimer(EvaluationTimer, new EvaluationDeadline(), _settings.EvaluationTimeout);
        _evaluating = true; // until the final checkpoint is asked for
        ValidateOrFinish();
        Become(() =>
        {
            Run<EvaluationResult>(result =>
            {
                RecordEvaluation(result);
                FinishRun();
            });
            Receive<EvaluationDeadline>(_ => FinishRun("no validation result in time; finishing without it"));
            Run<WorkDone>(d => _scheduler.WorkDone(Sender, d.Step, d.ComputeMs, d.WaitMs, d.Abandoned)); // late ones still count, in the timings…
            Run<StepApplied>(a => _scheduler.Applied(a.Step, a.TrainLoss, a.ReduceMs, a.ApplyMs, a.MaxStaleness)); // …and the loss
            Common(onLost: (_, _) => ValidateOrFinish(), finishing: true);                 // the lost one may have been validating
        });
    }

    private void ValidateOrFinish() // asks a live worker for the final validation; without one, the final checkpoint comes at once
    {
        if (_evaluating && !RequestEvaluation())
            FinishRun();
    }

    /// <summary>The final checkpoint, once: after the final validation, or without it (<paramref name="why"/>).</summary>
    private void FinishRun(string? why = null)
    {
        if (!_evaluating)
            return;
        if (why is not null)
            Log.Warning("Run '{0}': {1}.", RunId, why);
        _evaluating = false;
        Timers.Cancel(EvaluationTimer);
        _parameterServer.Tell(new FinishRun(RunId));
    }

    private void EndRun(bool success, string message, long? step = null)
    {
        var outcome = _status.Outcome(success, step ?? _scheduler.Step, _scheduler.Progress, message, _scheduler.MaxStaleness);
        var ended = new RunEnded(RunId, success, $"{message}\n{outcome.SummaryLine}");
        foreach (var recipient in _roster.All.Append(_reception)) // the reception tells the node agents
            recipient.Tell(ended);
        Context.System.EventStream.Publish(outcome);
        Log.Info("Run '{0}' {1}: {2}", RunId, success ? "ended" : "failed", message); // Info: the process that started the run prints it
        Timers.CancelAll();
        Become(() => Receive<IRnnClusterMessage>(m => m is RegisterNode or RegisterWorker, m => _reception.Forward(m))); // late joiners learn the end
    }

    /// <summary>What every state before the end handles alike: joining, readiness, losses, the server's notices.</summary>
    private void Common(Action<IActorRef>? onReady = null, Action<IActorRef, int[]?>? onLost = null, bool finishing = false)
    {
        (_onReady, _onLost, _finishing) = (onReady, onLost, finishing);
        Receive<RegisterWorker>(m => _reception.Forward(m));
        Receive<RegisterNode>(m => _reception.Forward(m));
        Receive<WorkerJoined>(j =>
        {
            if (_roster.Join(j.Worker, j.WorkerId).Replaced is { } replaced)
                Lose(replaced, "re-registered"); // a worker of that name restarted: the old incarnation is gone
        });
        Run<WorkerReady>(_ =>
        {
            if (!_roster.Contains(Sender))
                return;
            if (_roster.MarkReady(Sender))
                Publish($"worker {Observed(new WorkerNotice(RunId, _roster.IdOf(Sender), WorkerNoticeKind.Ready, _scheduler.Step)).WorkerId} ready");
            _onReady?.Invoke(Sender);
        });
        Run<WorkerRefused>(r => Note(LogLevel.ErrorLevel, $"worker refused the run: {r.Reason}"));
        Run<RunRefused>(r => EndRun(false, $"run refused: {r.Reason}"));
        Run<RunAborted>(a => EndRun(false, $"{a.Reason}. The last good checkpoint is kept."));
        Run<CheckpointSaved>(c => Publish($"checkpoint of step {_status.LastCheckpoint = Observed(c).Step} saved")); // its duration, for the metrics
        Run<EvaluationResult>(RecordEvaluation);
        if (finishing) // also while a lost server's successor is awaited: its predecessor may have saved the end
            Run<RunFinished>(f => EndRun(true, _scheduler.EndMessage(f.Step), f.Step / RunLength.Of(_request).UpdatesPerStep));
        Receive<ActorLost>(lost => Lose(lost.Actor, lost.Why));
        ReceiveAny(m => Log.Debug("Run '{0}': {1} is not for this state.", RunId, m.GetType().Name));
    }

    private void Lose(IActorRef actor, string why)
    {
        if (actor.Equals(_server))
        {
            Note(LogLevel.WarningLevel, $"parameter server lost ({why}) at step {_scheduler.Step}; waiting for it to resume from its last checkpoint");
            _scheduler.Abandon();
            Timers.Cancel(DeadlineTimer);
            Offering(firstDelay: _settings.ServerLostRetry);
        }
        else if (_roster.Remove(actor) is var (id, held))
        {
            _reception.Tell(new Reception.Unwatch(actor));
            Observed(new WorkerNotice(RunId, id, WorkerNoticeKind.Lost, _scheduler.Step, why));
            Note(LogLevel.WarningLevel, $"worker {id} lost ({why}) at step {_scheduler.Step}{(held is null ? "" : $" holding micro-batches [{string.Join(",", held)}]")}");
            _onLost?.Invoke(actor, held);
        }
    }

    /// <summary>A validation of the current version by the first live worker; false when there is nobody or nothing to validate on.</summary>
    private bool RequestEvaluation()
    {
        var worker = _request.ValidationTokens.Length < 2 ? null : _roster.Live.FirstOrDefault();
        worker?.Tell(new EvaluateRequest(RunId, _scheduler.Progress));
        return worker is not null;
    }

    private void RecordEvaluation(EvaluationResult result)
    {
        _status.ValidationLoss = result.Loss;
        _parameterServer.Tell(new RecordValidation(RunId, result.Version, result.Loss));
        Publish(FormattableString.Invariant($"validation loss {result.Loss:F4} at step {result.Version} ({_scheduler.Statistics.TrainingElapsed.TotalSeconds:F0} s)"));
    }

    /// <summary>Hands <paramref name="message"/> to the node's observers (dashboard, metrics) too; the refusal itself is reported as a notice.</summary>
    private T Observed<T>(T message) where T : notnull { Context.System.EventStream.Publish(message is GradientRefused r ? WorkerNotice.Of(r) : message); return message; }

    private void Publish(string? note) => Context.System.EventStream.Publish(_status.Progress(_scheduler.Step, _scheduler.Progress, _roster.ReadyCount, note));

    /// <summary>An event of the run, for the log and the progress display alike.</summary>
    private void Note(LogLevel level, string note)
    {
        Log.Log(level, null, "Run '{0}': {1}.", RunId, note);
        Publish(note);
    }

    private sealed record OfferTick : INoSerializationVerificationNeeded;
    private sealed record StepDeadline(long Step) : INoSerializationVerificationNeeded;
    private sealed record EvaluationDeadline : INoSerializationVerificationNeeded;
}
