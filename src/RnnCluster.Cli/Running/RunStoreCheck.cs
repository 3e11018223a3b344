using RnnCluster.Cli.Commands;
using RnnCluster.Training.Node;
using RnnCluster.Training.Store;
using RnnCluster.Training.Wire;

namespace RnnCluster.Cli.Running;

/// <summary>
/// What the parameter server would refuse only after the whole cluster has started, asked of the
/// store first: a user who names an existing run or an unknown one gets one line and exit 2. The
/// store is opened read-only, so a mistyped --db leaves no empty database behind. The parameter
/// server still checks, for two runs started at the same moment.
/// </summary>
internal static class RunStoreCheck
{
    /// <summary>The stored definition of the run to resume.</summary>
    public static async Task<RunRecord> ReadResumedAsync(StoreOptions store, string runId)
    {
        await using var reader = await CheckpointStore.OpenAsync(store, readOnly: true);
        var record = await reader.ReadRunAsync(runId);
        if (record is not null)
            return record;
        var runs = await reader.ListRunsAsync();
        throw new UsageException($"There is no run '{runId}' to resume in {store.Describe()}. Runs there: {(runs.Count == 0 ? "none" : string.Join(", ", runs))}.");
    }

    public static async Task EnsureNewAsync(StoreOptions store, string runId)
    {
        await using var reader = await CheckpointStore.OpenAsync(store, readOnly: true);
        if (await reader.ReadRunAsync(runId) is not { } record)
            return;
        string last = record.Checkpoints.Count == 0 ? "no checkpoint yet" : $"last checkpoint at step {record.Checkpoints.Max(c => c.Step)}";
        throw new UsageException($"run '{runId}' already exists in {store.Describe()} ({last}); continue it with --resume {runId}, or choose another --run-id");
    }

    /// <summary>Mirrors the parameter server's check, so a changed option on --resume is a usage error, found before anything starts.</summary>
    public static void EnsureResumable(string runId, RunDefinition stored, RunDefinition requested)
    {
        if (stored.FirstDifference(requested) is { } difference)
            throw new UsageException($"cannot resume run '{runId}': {difference}; only run-length options (--steps, --epochs, --checkpoint-every, --keep-checkpoints, --workers) may change");
    }
}
