using RnnCluster.Training.ParameterServer;
using RnnCluster.Training.Wire;

namespace RnnCluster.Training.Coordinator;

/// <summary>
/// What the coordinator node was asked to run: the definition, the tokenized data (only the
/// coordinator needs a corpus; workers receive it) and the run-length options.
/// <paramref name="BackupTasks"/>: in sync mode an idle worker also computes the outstanding share
/// expected to finish last, and the first copy wins (a share's gradient is a pure function of the
/// parameters, the step and its micro-batches, so the bytes are the same either way).
/// <paramref name="ParameterServerShards"/>: how many shards hold the parameters (sync mode).
/// </summary>
public sealed record RunRequest(
    string RunId,
    RunDefinition Definition,
    int[] TrainTokens,
    int[] ValidationTokens,
    bool Resume,
    long TargetSteps,
    CheckpointPolicy Checkpoints,
    int MinWorkers,
    int ValidateEvery,
    TimeSpan StepTimeout,
    TimeSpan? TimeBudget = null,
    bool BackupTasks = true,
    int ParameterServerShards = 1)
{
    /// <summary>Windows per epoch: W = (N − 1) / T, the sampler's definition.</summary>
    public long WindowsPerEpoch => Math.Max(1, (TrainTokens.Length - 1) / Definition.Settings.SeqLen);

    public int TokensPerStep => Definition.Settings.Batch * Definition.Settings.SeqLen;
}
