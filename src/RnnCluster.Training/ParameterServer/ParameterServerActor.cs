using Akka.Actor;
using Akka.Event;
using RnnCluster.Core.Steps;
using RnnCluster.Training.Coordinator;
using RnnCluster.Training.Runtime;
using RnnCluster.Training.Wire;
using RnnCluster.Training.Worker;

namespace RnnCluster.Training.ParameterServer;

/// <summary>
/// The authoritative state of one run — parameters, optimizer state, step — and the only place
/// updates are applied; checkpoints are its snapshots, the journal records that the run exists and
/// where its checkpoints are (<see cref="RunJournalActor"/>). Decisions live in
/// <see cref="RunState{TWorker}"/> (gradients, updates, who waits for which version),
/// <see cref="BeginDecision"/>, <see cref="CheckpointRecovery"/>, <see cref="CheckpointBook"/> and
/// <see cref="RunHistory"/>. States: AwaitingBegin → (Loading →) Training (→ Aborted).
/// </summary>
public sealed class ParameterServerActor : RunJournalActor
{
    private readonly StepLedger? _ledger;
    private RunState<IActorRef> _run = null!;

    public ParameterServerActor(string runId, ParameterServerSettings settings) : base(runId, settings)
    {
        _ledger = settings.LedgerPath is null ? null : new StepLedger(settings.LedgerPath);
    }

    public static Props Props(string runId, ParameterServerSettings settings) => Akka.Actor.Props.Create(() => new ParameterServerActor(runId, settings));

    protected override long Version => _run.Version;

    protected override void Start(TrainingState state, string note)
    {
        _run = new RunState<IActorRef>(RunId, Begin, state, History, _ledger is null ? null : _ledger.Append, Settings.EffectiveThreads);
        Log.Info("Run '{0}' ready at step {1} ({2}).", RunId, state.Step, note);
        Coordinator.Tell(new RunReady(RunId, state.Step, Begin.Resume, note));
        Become(Training);
        Stash.UnstashAll();
    }

    private void Training()
    {
        Command<BeginRun>(AnswerBeginAgain);
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
        Command<QueryMissing>(q => Sender.Tell(new MissingMicroBatches(RunId, _run.Version, _run.Missing(q.Step))));
        JournalCommands(SaveCheckpoint, step =>
        {
            if (step == _run.Version)
                Finished();
            else if (FinishRequester is not null)
                SaveCheckpoint(); // async: an update in flight was applied meanwhile; the end is the newer state
        });
    }

    private void Carry(GradientOutcome<IActorRef> outcome, GradientComputed g)
    {
        if (outcome.Note is not null)
            Log.Log(outcome.Level, null, "Run '{0}': {1}", RunId, outcome.Note);
        if (outcome.Refused is not null)
            Coordinator.Tell(outcome.Refused);
        if (outcome.Aborted is not null)
        {
            Abort(outcome.Aborted, "the run diverged in this session; resume it in a new one");
            return;
        }
        if (outcome.Applied is not null)
        {
            Coordinator.Tell(outcome.Applied);
            StepTrace.Mark(StepTrace.Applied, outcome.Applied.Step);
            foreach (var worker in outcome.Publish ?? [])
                SendParameters(worker);
            StepTrace.Mark(StepTrace.Published, outcome.Applied.Step);
        }
        if (outcome.Verdict is { } accepted) // async: the answer carries the parameters to go on from
        {
            Wire.SendTensor(Sender, new AsyncVerdict(RunId, g.Step, accepted, _run.Version, _run.Parameters()), Self);
        }
        if (outcome.CheckpointDue)
            SaveCheckpoint();
    }

    private void SendParameters(IActorRef worker)
    {
        Wire.SendTensor(worker, new ParametersAvailable(RunId, _run.Version, _run.Parameters()), Self);
    }

    /// <summary>Checkpoints the current state unless it is saved or being saved; a finish request is answered once it is stored.</summary>
    private void SaveCheckpoint()
    {
        if (NeedsCheckpoint())
            Save(_run.State);
    }

    /// <summary>Answers a finish request: the final checkpoint (and the ledger) are stored.</summary>
    protected override void Finished()
    {
        if (FinishRequester is not null && _ledger?.Flush() is { } error)
            Log.Warning("Run '{0}': the ledger {1} is incomplete: {2}", RunId, Settings.LedgerPath, error);
        base.Finished();
    }

    protected override void PostStop()
    {
        _run?.Dispose();
        _ledger?.Dispose();
        base.PostStop();
    }
}
