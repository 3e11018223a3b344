using Akka.Actor;
using Akka.Event;
using RnnCluster.Core.Steps;
using RnnCluster.Training.Store;
using RnnCluster.Training.Wire;

namespace RnnCluster.Training.ParameterServer;

/// <summary>
/// Reads the newest usable checkpoint of a resumed run for its parameter server (its parent):
/// snapshot by snapshot, newest first, as <see cref="CheckpointRecovery"/> decides, until one is
/// readable and fits the run's definition. Answers <see cref="Loaded"/> or <see cref="Failed"/>, then stops.
/// </summary>
public sealed class CheckpointLoader : ReceiveActor
{
    public CheckpointLoader(string persistenceId, string runId, CheckpointRecovery recovery, long first, RunDefinition definition, TimeSpan timeout)
    {
        var log = Context.GetLogger();
        var snapshots = new SnapshotLoader(Context.System);
        Receive<Try>(t => snapshots.LoadAsync(persistenceId, t.SequenceNr, timeout).ContinueWith(read => LoadAttempt.From(t.SequenceNr, read)).PipeTo(Self));
        Receive<LoadAttempt>(attempt =>
        {
            if (attempt.Checkpoint is { } checkpoint)
            {
                var (state, refusal) = ResumePoint.From(runId, checkpoint, definition);
                string note = recovery.Note(checkpoint.Step);
                if (state is not null && recovery.Problems.Count > 0)
                    log.Warning("Run '{0}': {1}", runId, note);
                Answer(state is null ? new Failed(refusal!) : new Loaded(state, attempt.History!, attempt.Found, note));
                return;
            }
            long? next = recovery.After(attempt);
            log.Error("Run '{0}': {1}", runId, recovery.Problems[^1]);
            if (next is { } below)
                Self.Tell(new Try(below));
            else
                Answer(new Failed(recovery.GiveUp(runId)));
        });
        Self.Tell(new Try(first));
    }

    public static Props Props(string persistenceId, string runId, CheckpointRecovery recovery, long first, RunDefinition definition, TimeSpan timeout) =>
        Akka.Actor.Props.Create(() => new CheckpointLoader(persistenceId, runId, recovery, first, definition, timeout));

    private void Answer(object answer)
    {
        Context.Parent.Tell(answer);
        Context.Stop(Self);
    }

    /// <summary>The run resumes from <paramref name="State"/>, stored at <paramref name="SequenceNr"/>.</summary>
    public sealed record Loaded(TrainingState State, TrainingHistory History, long SequenceNr, string Note) : INoSerializationVerificationNeeded;

    /// <summary>No checkpoint can resume the run: why.</summary>
    public sealed record Failed(string Reason) : INoSerializationVerificationNeeded;

    private sealed record Try(long SequenceNr) : INoSerializationVerificationNeeded;
}
