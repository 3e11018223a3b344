using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using RnnCluster.Core.Steps;
using RnnCluster.Training.Coordinator;
using RnnCluster.Training.Runtime;
using RnnCluster.Training.Wire;
using RnnCluster.Training.Worker;

namespace RnnCluster.Training.ParameterServer;

/// <summary>
/// The authoritative state of one run — parameters, optimizer state, step — and the only place
/// updates are applied; checkpoints are its snapshots, the journal records that the run exists and
/// where its checkpoints are. Decisions live in <see cref="RunState{TWorker}"/> (gradients, updates,
/// who waits for which version), <see cref="BeginDecision"/>, <see cref="CheckpointRecovery"/>,
/// <see cref="CheckpointBook"/> and <see cref="RunHistory"/>.
/// States: AwaitingBegin → (Loading →) Training (→ Aborted).
/// </summary>
public sealed class ParameterServerActor : ReceivePersistentActor
{
    private readonly bool _roundTrip = ForcedSerialization.IsOn(Context.System);
    private readonly string _runId;
    private readonly ParameterServerSettings _settings;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Courier _wire = Courier.For(Context.System);
    private readonly CheckpointBook _checkpoints = new();
    private readonly RunHistory _history = new();
    private readonly StepLedger? _ledger;
    private RunCreated? _created;
    private BeginRun _begin = null!;
    private IActorRef _coordinator = ActorRefs.Nobody;
    private IActorRef? _finishRequester;
    private RunState<IActorRef> _run = null!;

    public ParameterServerActor(string runId, ParameterServerSettings settings)
    {
        (_runId, _settings) = (runId, settings);
        _ledger = settings.LedgerPath is null ? null : new StepLedger(settings.LedgerPath);
        PersistenceId = PersistenceIds.ForRun(runId);
        Recover<RunCreated>(e => _created = e);
        Recover<CheckpointRecorded>(e => _checkpoints.Record(e.Step, LastSequenceNr));
        Command<BeginRun>(OnBegin);
        CommandAny(_ => Stash.Stash());
    }

    public override string PersistenceId { get; }

    public override Recovery Recovery => new(SnapshotSelectionCriteria.None); // checkpoints are loaded after recovery, newest first, so a corrupt one can be skipped
    public static Props Props(string runId, ParameterServerSettings settings) => Akka.Actor.Props.Create(() => new ParameterServerActor(runId, settings));

    protected override bool AroundReceive(Receive receive, object message) =>
        base.AroundReceive(receive, _roundTrip ? ForcedSerialization.RoundTrip(Context.System, message) : message);

    private void OnBegin(BeginRun begin)
    {
        (_begin, _coordinator) = (begin, Sender);
        _checkpoints.Keep = begin.Checkpoints.Keep;
        TrainingState Initial() => TrainingState.Initial(begin.Definition.Model.ToModel(), begin.Definition.Settings.ToSettings());
        switch (BeginDecision.For(_runId, _created, begin, _checkpoints))
        {
            case BeginDecision.Refuse refuse:
                Refuse(refuse.Reason);
                break;
            case BeginDecision.Create:
                Persist(new RunCreated(_runId, begin.Definition, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), begin.Checkpoints), created =>
                {
                    _created = created;
                    Ready(Initial(), "new run");
                });
                break;
            case BeginDecision.StartOver over:
                Ready(Initial(), over.Note);
                break;
            case BeginDecision.Load load:
                Loading(load.Recovery, load.First);
                break;
        }
    }

    /// <summary>Loading the newest usable checkpoint (a <see cref="CheckpointLoader"/> child reads the store); every other command waits.</summary>
    private void Loading(CheckpointRecovery recovery, long first)
    {
        Context.ActorOf(CheckpointLoader.Props(PersistenceId, _runId, recovery, first, _begin.Definition, _settings.StoreTimeout), "loader");
        Become(() =>
        {
            Command<CheckpointLoader.Loaded>(loaded =>
            {
                _history.Restore(loaded.History, loaded.State.Step);
                _checkpoints.ConfirmRecovered(loaded.SequenceNr);
                Ready(loaded.State, loaded.Note);
            });
            Command<CheckpointLoader.Failed>(failed => Refuse(failed.Reason));
            CommandAny(_ => Stash.Stash());
        });
    }

    private void Ready(TrainingState state, string note)
    {
        _run = new RunState<IActorRef>(_runId, _begin, state, _history, _ledger is null ? null : _ledger.Append, _settings.EffectiveThreads);
        _log.Info("Run '{0}' ready at step {1} ({2}).", _runId, state.Step, note);
        _coordinator.Tell(new RunReady(_runId, state.Step, _begin.Resume, note));
        Become(Training);
        Stash.UnstashAll();
    }

    /// <summary>The run cannot start here; forget everything, so a later BeginRun recovers from the store again.</summary>
    private void Refuse(string reason)
    {
        _log.Info("Run '{0}' refused: {1}", _runId, reason); // Info: the coordinator ends the run with this reason
        _coordinator.Tell(new RunRefused(_runId, reason));
        Context.Stop(Self);
    }

    private void Training()
    {
        Command<BeginRun>(begin => // a restarted coordinator asks again: same definition → tell it where we are
        {
            _coordinator = Sender;
            Sender.Tell(_begin.Definition.FirstDifference(begin.Definition) is { } difference
                ? new RunRefused(_runId, $"run '{_runId}' is running with another definition: {difference}")
                : new RunReady(_runId, _run.Version, true, "already running"));
        });
        Command<GradientComputed>(g =>
        {
            StepTrace.Mark(StepTrace.GradientReceived, g.Step);
            try
            {
                Carry(_run.Offer(g), g);
            }
            finally
            {
                g.Gradient.Dispose(); // consumed (summed or applied) or refused
            }
        });
        Command<RequestParameters>(r =>
        {
            if (_run.Request(Sender, r.Version))
                SendParameters(Sender);
        });
        Command<QueryMissing>(q => Sender.Tell(new MissingMicroBatches(_runId, _run.Version, _run.Missing(q.Step))));
        Command<RequestCheckpoint>(_ => SaveCheckpoint());
        Command<RecordValidation>(r => _history.RecordValidation(r.Step, r.Loss));
        Command<FinishRun>(_ =>
        {
            _finishRequester = Sender;
            SaveCheckpoint();
        });
        Command<SaveSnapshotSuccess>(saved =>
        {
            var (step, delete) = _checkpoints.Confirm(saved.Metadata.SequenceNr);
            _log.Info("Run '{0}': checkpoint of step {1} saved.", _runId, step);
            _coordinator.Tell(new CheckpointSaved(_runId, step, _checkpoints.LastSaveMs));
            foreach (var sequenceNr in delete) // only now, with a newer checkpoint confirmed
                DeleteSnapshot(sequenceNr);
            if (step == _run.Version)
                Finished();
            else if (_finishRequester is not null)
                SaveCheckpoint(); // async: an update in flight was applied meanwhile; the end is the newer state
        });
        Command<SaveSnapshotFailure>(f =>
        {
            _checkpoints.SaveFailed();
            _log.Error(f.Cause, "Run '{0}': saving the checkpoint at sequence {1} failed; older checkpoints are kept.", _runId, f.Metadata.SequenceNr);
            _finishRequester?.Tell(new RunRefused(_runId, $"the final checkpoint could not be saved: {f.Cause.Message}"));
        });
        Command<DeleteSnapshotFailure>(f => _log.Warning("Run '{0}': deleting an old checkpoint failed: {1}", _runId, f.Cause.Message));
        Command<DeleteSnapshotSuccess>(_ => { });
    }

    private void Carry(GradientOutcome<IActorRef> outcome, GradientComputed g)
    {
        if (outcome.Note is not null)
            _log.Log(outcome.Level, null, "Run '{0}': {1}", _runId, outcome.Note);
        if (outcome.Refused is not null)
            _coordinator.Tell(outcome.Refused);
        if (outcome.Aborted is not null)
        {
            _coordinator.Tell(new RunAborted(_runId, outcome.Aborted));
            Become(() =>
            {
                Command<BeginRun>(_ => Sender.Tell(new RunRefused(_runId, "the run diverged in this session; resume it in a new one")));
                CommandAny(m => (m as ITensorMessage)?.Blob.Dispose());
            });
            return;
        }
        if (outcome.Applied is not null)
        {
            _coordinator.Tell(outcome.Applied);
            StepTrace.Mark(StepTrace.Applied, outcome.Applied.Step);
            foreach (var worker in outcome.Publish ?? [])
                SendParameters(worker);
            StepTrace.Mark(StepTrace.Published, outcome.Applied.Step);
        }
        if (outcome.Verdict is { } accepted) // async: the answer carries the parameters to go on from
        {
            _wire.SendTensor(Sender, new AsyncVerdict(_runId, g.Step, accepted, _run.Version, _run.Parameters()), Self);
        }
        if (outcome.CheckpointDue)
            SaveCheckpoint();
    }

    private void SendParameters(IActorRef worker)
    {
        _wire.SendTensor(worker, new ParametersAvailable(_runId, _run.Version, _run.Parameters()), Self);
    }

    /// <summary>Checkpoints the current state unless it is saved or being saved; a finish request is answered once it is stored.</summary>
    private void SaveCheckpoint()
    {
        long step = _run.Version;
        if (!_checkpoints.NeedsSave(step))
        {
            if (_checkpoints.Saving != step)
                Finished();
            return;
        }
        var (snapshot, problem) = CheckpointSnapshot.Of(_runId, _run.State, _begin.Definition, _history);
        if (snapshot is null)
        {
            _log.Error("Run '{0}': {1}", _runId, problem);
            _finishRequester?.Tell(new RunRefused(_runId, problem!));
            return;
        }
        _checkpoints.StartSaving(step);
        Persist(new CheckpointRecorded(_runId, step, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()), recorded =>
        {
            _checkpoints.Record(recorded.Step, LastSequenceNr);
            SaveSnapshot(snapshot);
        });
    }

    /// <summary>Answers a finish request: the final checkpoint (and the ledger) are stored.</summary>
    private void Finished()
    {
        if (_finishRequester is null)
            return;
        if (_ledger?.Flush() is { } error)
            _log.Warning("Run '{0}': the ledger {1} is incomplete: {2}", _runId, _settings.LedgerPath, error);
        _finishRequester.Tell(new RunFinished(_runId, _run.Version));
        _finishRequester = null;
    }

    protected override void PostStop()
    {
        _run?.Dispose();
        _ledger?.Dispose();
        base.PostStop();
    }
}
