using RnnCluster.Training.Wire;

namespace RnnCluster.Training.ParameterServer;

/// <summary>What the parameter server does with a <see cref="BeginRun"/>, given what its journal holds about the run.</summary>
public abstract record BeginDecision
{
    /// <summary>The run cannot start here: why.</summary>
    public sealed record Refuse(string Reason) : BeginDecision;

    /// <summary>A new run: record it in the journal, then start from step 0.</summary>
    public sealed record Create : BeginDecision;

    /// <summary>Start from step 0 of a run the journal already holds (it has no checkpoint yet).</summary>
    public sealed record StartOver(string Note) : BeginDecision;

    /// <summary>Resume from the newest readable checkpoint, starting with the one at <paramref name="First"/>.</summary>
    public sealed record Load(CheckpointRecovery Recovery, long First) : BeginDecision;

    public static BeginDecision For(string runId, RunCreated? created, BeginRun begin, CheckpointBook checkpoints)
    {
        if (!begin.Resume)
            return created is null ? new Create()
                : new Refuse($"run '{runId}' already exists in the store ({checkpoints.Describe()}); continue it with --resume {runId}, or choose another --run-id");
        if (created is null)
            return new Refuse($"there is no run '{runId}' to resume in this store");
        if (created.Definition.FirstDifference(begin.Definition) is { } difference)
            return new Refuse($"cannot resume run '{runId}': {difference}; only run-length options (--steps, --epochs, --checkpoint-every, --keep-checkpoints, --workers) may change");
        var recovery = new CheckpointRecovery(checkpoints.Recorded);
        return recovery.First is { } first ? new Load(recovery, first) : new StartOver("resumed run had no checkpoint yet: starting again from step 0");
    }
}
