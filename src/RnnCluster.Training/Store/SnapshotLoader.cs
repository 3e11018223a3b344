using Akka.Actor;
using Akka.Persistence;

namespace RnnCluster.Training.Store;

/// <summary>
/// Reads snapshots straight from the configured snapshot store, newest first below a bound. The
/// parameter server recovers its journal without snapshots and then loads checkpoints through
/// this, so that a corrupt newest checkpoint can be named and skipped in favour of the one before.
/// </summary>
public sealed class SnapshotLoader(ActorSystem system)
{
    private readonly IActorRef _store = Akka.Persistence.Persistence.Instance.Apply(system).SnapshotStoreFor(null);

    /// <summary>The newest snapshot of <paramref name="persistenceId"/> with sequence number ≤ <paramref name="maxSequenceNr"/>; null if none.</summary>
    public async Task<SnapshotLoadResult> LoadAsync(string persistenceId, long maxSequenceNr, TimeSpan timeout)
    {
        var criteria = new SnapshotSelectionCriteria(maxSequenceNr, DateTime.MaxValue);
        var reply = await _store.Ask<ISnapshotResponse>(new LoadSnapshot(persistenceId, criteria, long.MaxValue), timeout);
        return reply switch
        {
            LoadSnapshotResult { Snapshot: null } => new SnapshotLoadResult(null, null, null),
            LoadSnapshotResult { Snapshot: { } s } => new SnapshotLoadResult(s.Metadata, s.Snapshot, null),
            LoadSnapshotFailed f => new SnapshotLoadResult(null, null, f.Cause),
            _ => throw new InvalidOperationException($"Unexpected snapshot store reply {reply.GetType().Name}."),
        };
    }
}
