using Akka.Actor;
using RnnCluster.Core.Checkpoints;
using RnnCluster.Training.Store;

namespace RnnCluster.Training.ParameterServer;

/// <summary>
/// What reading the newest snapshot at or below sequence <paramref name="Tried"/> gave: a valid
/// checkpoint, or why not (<see cref="Problem"/>; <see cref="Found"/> is where a corrupt one lies,
/// 0 when nothing was read, -1 when nothing is stored there at all).
/// </summary>
public sealed record LoadAttempt(long Tried, Checkpoint? Checkpoint, TrainingHistory? History, long Found, string? Problem)
    : INoSerializationVerificationNeeded
{
    public bool NothingStored => Found < 0;

    public bool Corrupt => Problem is not null && Found > 0;

    public static LoadAttempt From(long tried, Task<SnapshotLoadResult> read)
    {
        if (read.IsFaulted || read.IsCanceled)
            return Failed(tried, $"loading the checkpoint at sequence {tried} failed: {read.Exception?.GetBaseException().Message ?? "timeout"}");
        var result = read.Result;
        if (result.Failure is not null)
            return Failed(tried, $"checkpoint row at sequence ≤ {tried} is unreadable: {result.Failure.GetBaseException().Message}");
        if (result.Snapshot is null)
            return new LoadAttempt(tried, null, null, -1, "nothing stored");
        long found = result.Metadata!.SequenceNr;
        if (result.Snapshot is not ParameterServerSnapshot snapshot)
            return Failed(tried, $"snapshot at sequence {found} is a {result.Snapshot.GetType().Name}, not a checkpoint");
        try
        {
            return new LoadAttempt(tried, CheckpointFormat.Deserialize(snapshot.Checkpoint), snapshot.History, found, null);
        }
        catch (CheckpointException e)
        {
            return new LoadAttempt(tried, null, null, found, e.Message);
        }
    }

    private static LoadAttempt Failed(long tried, string problem) => new(tried, null, null, 0, problem);
}
