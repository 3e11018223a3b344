using Akka.Actor;
using Akka.Persistence;
using RnnCluster.Training.ParameterServer;

namespace RnnCluster.Training.Store;

/// <summary>
/// Writes a run that was not trained here (weights imported from another runtime) into the store
/// exactly as the parameter server would have: <see cref="RunCreated"/>, then one
/// <see cref="CheckpointRecorded"/> whose sequence number holds the checkpoint as a snapshot. A
/// later <c>train --resume</c> finds an ordinary run. It refuses a run id the journal already
/// knows, completes <paramref name="done"/> with null or the reason it could not write, and stops.
/// </summary>
internal sealed class RunImporter : ReceivePersistentActor
{
    private readonly TaskCompletionSource<string?> _done;
    private bool _exists;

    public RunImporter(string runId, RunCreated created, long step, ParameterServerSnapshot snapshot, TaskCompletionSource<string?> done)
    {
        _done = done;
        PersistenceId = PersistenceIds.ForRun(runId);
        Recover<RunCreated>(_ => _exists = true);
        Recover<CheckpointRecorded>(_ => _exists = true);
        Recover<RecoveryCompleted>(_ =>
        {
            if (_exists)
            {
                Finish($"run '{runId}' already exists in the store; import under another --run-id");
                return;
            }
            Persist(created, _ => Persist(new CheckpointRecorded(runId, step, created.CreatedAtUnixMs), _ => SaveSnapshot(snapshot)));
        });
        Command<SaveSnapshotSuccess>(_ => Finish(null));
        Command<SaveSnapshotFailure>(f => Finish($"the checkpoint of run '{runId}' could not be saved: {f.Cause.Message}"));
    }

    public override string PersistenceId { get; }

    // Only whether the run exists matters; its snapshots need not be read.
    public override Recovery Recovery => new(SnapshotSelectionCriteria.None);

    public static Props Props(string runId, RunCreated created, long step, ParameterServerSnapshot snapshot, TaskCompletionSource<string?> done) =>
        Akka.Actor.Props.Create(() => new RunImporter(runId, created, step, snapshot, done));

    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
    {
        _done.TrySetResult($"the store refused the imported run: {cause.Message}");
        base.OnPersistFailure(cause, @event, sequenceNr);
    }

    protected override void OnRecoveryFailure(Exception reason, object? message = null)
    {
        _done.TrySetResult($"the store cannot be read: {reason.Message}");
        base.OnRecoveryFailure(reason, message);
    }

    private void Finish(string? problem)
    {
        _done.TrySetResult(problem);
        Context.Stop(Self);
    }
}
