using RnnCluster.Training.ParameterServer;
using RnnCluster.Training.Wire;

namespace RnnCluster.Training.Coordinator;

/// <summary>
/// What the coordinator node was asked to run: the definition, the tokenized data (only the
/// coordinator needs a corpus; workers receive it) and the run-length options.
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
    TimeSpan? TimeBudget = null)
{
    /// <summary>Windows per epoch: W = (N − 1) / T, the sampler's definition.</summary>
    public long WindowsPerEpoch => Math.Max(1, (TrainTokens.Length - 1) / Definition.Settings.SeqLen);

    public int TokensPerStep => Definition.Settings.Batch * Definition.Settings.SeqLen;
}
