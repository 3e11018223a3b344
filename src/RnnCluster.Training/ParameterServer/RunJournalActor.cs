using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using RnnCluster.Core.Steps;
using RnnCluster.Training.Coordinator;
using RnnCluster.Training.Wire;

namespace RnnCluster.Training.ParameterServer;

/// <summary>
/// What every holder of a run's state shares, whether one actor holds the parameters
/// (<see cref="ParameterServerActor"/>) or shards do (<see cref="ShardedRunActor"/>): the journal
/// (the run exists, where its checkpoints are), the begin decision, loading the newest usable
/// checkpoint, saving checkpoints and deleting old ones, and answering a finish request. The same
/// persistence id and snapshot format either way, so a run may resume with another shard count.
/// </summary>
public abstract class RunJournalActor : ReceivePersistentActor
{
    private readonly bool _roundTrip = ForcedSerialization.IsOn(Context.System);
    private RunCreated? _created;

    protected RunJournalActor(string runId, ParameterServerSettings settings)
    {
        (RunId, Settings) = (runId, settings);
        PersistenceId = PersistenceIds.ForRun(runId);
        Recover<RunCreated>(e => _created = e);
        Recover<CheckpointRecorded>(e => Checkpoints.Record(e.Step, LastSequenceNr));
        Command<BeginRun>(OnBegin);
        CommandAny(_ => Stash.Stash());
    }

    public override string PersistenceId { get; }

    public override Recovery Recovery => new(SnapshotSelectionCriteria.None); // checkpoints are loaded after recovery, newest first, so a corrupt one can be skipped

    protected string RunId { get; }
    protected ParameterServerSettings Settings { get; }
    protected Courier Wire { get; } = Courier.For(Context.System);
    protected CheckpointBook Checkpoints { get; } = new();
    protected RunHistory History { get; } = new();
    protected BeginRun Begin { get; private set; } = null!;
    protected IActorRef Coordinator { get; set; } = ActorRefs.Nobody;
    protected IActorRef? FinishRequester { get; set; }

    /// <summary>The version the run is at (a checkpoint of it ends a finish request).</summary>
    protected abstract long Version { get; }

    protected override bool AroundReceive(Receive receive, object message) =>
        base.AroundReceive(receive, _roundTrip ? ForcedSerialization.RoundTrip(Context.System, message) : message);

    /// <summary>The run's state at its next step is known (new, or loaded): serve it, then tell the coordinator.</summary>
    protected abstract void Start(TrainingState state, string note);

    private void OnBegin(BeginRun begin)
    {
        (Begin, Coordinator) = (begin, Sender);
        Checkpoints.Keep = begin.Checkpoints.Keep;
        TrainingState Initial() => TrainingState.Initial(begin.Definition.Model.ToModel(), begin.Definition.Settings.ToSettings());
        switch (BeginDecision.For(RunId, _created, begin, Checkpoints))
        {
            case BeginDecision.Refuse refuse:
                Refuse(refuse.Reason);
                break;
            case BeginDecision.Create:
                Persist(new RunCreated(RunId, begin.Definition, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), begin.Checkpoints), created =>
                {
                    _created = created;
                    Start(Initial(), "new run");
                });
                break;
            case BeginDecision.StartOver over:
                Start(Initial(), over.Note);
                break;
            case BeginDecision.Load load:
                Loading(load.Recovery, load.First);
                break;
        }
    }

    /// <summary>Loading the newest usable checkpoint (a <see cref="CheckpointLoader"/> child reads the store); every other command waits.</summary>
    private void Loading(CheckpointRecovery recovery, long first)
    {
        Context.ActorOf(CheckpointLoader.Props(PersistenceId, RunId, recovery, first, Begin.Definition, Settings.StoreTimeout), "loader");
        Become(() =>
        {
            Command<CheckpointLoader.Loaded>(loaded =>
            {
                History.Restore(loaded.History, loaded.State.Step);
                Checkpoints.ConfirmRecovered(loaded.SequenceNr);
                Start(loaded.State, loaded.Note);
            });
            Command<CheckpointLoader.Failed>(failed => Refuse(failed.Reason));
            CommandAny(_ => Stash.Stash());
        });
    }

    /// <summary>The run cannot start here; forget everything, so a later BeginRun recovers from the store again.</summary>
    protected void Refuse(string reason)
    {
        Log.Info("Run '{0}' refused: {1}", RunId, reason); // Info: the coordinator ends the run with this reason
        Coordinator.Tell(new RunRefused(RunId, reason));
        Context.Stop(Self);
    }

    /// <summary>A restarted coordinator asks again: same definition → tell it where we are.</summary>
    protected void AnswerBeginAgain(BeginRun begin)
    {
        Coordinator = Sender;
        Sender.Tell(Begin.Definition.FirstDifference(begin.Definition) is { } difference
            ? new RunRefused(RunId, $"run '{RunId}' is running with another definition: {difference}")
            : new RunReady(RunId, Version, true, "already running"));
    }

    /// <summary>The run ends in this session; its last checkpoint stays the good one.</summary>
    protected void Abort(string reason, string again)
    {
        Coordinator.Tell(new RunAborted(RunId, reason));
        Become(() =>
        {
            Command<BeginRun>(_ => Sender.Tell(new RunRefused(RunId, again)));
            CommandAny(m => (m as ITensorMessage)?.Blob.Dispose());
        });
    }

    /// <summary>Records the checkpoint of <paramref name="state"/> in the journal, then stores it as a snapshot.</summary>
    protected void Save(TrainingState state)
    {
        var (snapshot, problem) = CheckpointSnapshot.Of(RunId, state, Begin.Definition, History);
        if (snapshot is null)
        {
            Log.Error("Run '{0}': {1}", RunId, problem);
            FinishRequester?.Tell(new RunRefused(RunId, problem!));
            return;
        }
        Checkpoints.StartSaving(state.Step);
        Persist(new CheckpointRecorded(RunId, state.Step, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()), recorded =>
        {
            Checkpoints.Record(recorded.Step, LastSequenceNr);
            SaveSnapshot(snapshot);
        });
    }

    /// <summary>
    /// What every holder answers alike while training: checkpoint requests, validation losses, the
    /// finish request (<paramref name="saveCheckpoint"/> checkpoints the current version), and the
    /// store's answers (<paramref name="saved"/> runs after a confirmed save).
    /// </summary>
    protected void JournalCommands(Action saveCheckpoint, Action<long> saved)
    {
        Command<RequestCheckpoint>(_ => saveCheckpoint());
        Command<RecordValidation>(r => History.RecordValidation(r.Step, r.Loss));
        Command<FinishRun>(_ =>
        {
            FinishRequester = Sender;
            saveCheckpoint();
        });
        CheckpointReplies(saved);
    }

    /// <summary>True when the current version still needs a checkpoint; otherwise a finish request is answered once its save is done.</summary>
    protected bool NeedsCheckpoint()
    {
        if (Checkpoints.NeedsSave(Version))
            return true;
        if (Checkpoints.Saving != Version)
            Finished();
        return false;
    }

    /// <summary>The store's answers to <see cref="Save"/> and to deletions; <paramref name="saved"/> runs after a confirmed save.</summary>
    private void CheckpointReplies(Action<long> saved)
    {
        Command<SaveSnapshotSuccess>(success =>
        {
            var (step, delete) = Checkpoints.Confirm(success.Metadata.SequenceNr);
            Log.Info("Run '{0}': checkpoint of step {1} saved.", RunId, step);
            Coordinator.Tell(new CheckpointSaved(RunId, step, Checkpoints.LastSaveMs));
            foreach (var sequenceNr in delete) // only now, with a newer checkpoint confirmed
                DeleteSnapshot(sequenceNr);
            saved(step);
        });
        Command<SaveSnapshotFailure>(f =>
        {
            Checkpoints.SaveFailed();
            Log.Error(f.Cause, "Run '{0}': saving the checkpoint at sequence {1} failed; older checkpoints are kept.", RunId, f.Metadata.SequenceNr);
            FinishRequester?.Tell(new RunRefused(RunId, $"the final checkpoint could not be saved: {f.Cause.Message}"));
        });
        Command<DeleteSnapshotFailure>(f => Log.Warning("Run '{0}': deleting an old checkpoint failed: {1}", RunId, f.Cause.Message));
        Command<DeleteSnapshotSuccess>(_ => { });
    }

    /// <summary>Answers a finish request: the final checkpoint is stored.</summary>
    protected virtual void Finished()
    {
        if (FinishRequester is null)
            return;
        FinishRequester.Tell(new RunFinished(RunId, Version));
        FinishRequester = null;
    }
}
