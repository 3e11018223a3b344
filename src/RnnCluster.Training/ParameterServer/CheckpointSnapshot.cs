using RnnCluster.Core.Checkpoints;
using RnnCluster.Core.Steps;
using RnnCluster.Training.Wire;

namespace RnnCluster.Training.ParameterServer;

/// <summary>The snapshot a checkpoint is stored as: the versioned, checksummed checkpoint bytes and the run's history.</summary>
public static class CheckpointSnapshot
{
    /// <returns>The snapshot, or why the state cannot be checkpointed (e.g. non-finite parameters).</returns>
    public static (ParameterServerSnapshot? Snapshot, string? Problem) Of(string runId, TrainingState state, RunDefinition definition, RunHistory history)
    {
        try
        {
            return (new(CheckpointFormat.Serialize(new Checkpoint(runId, state.Step, state.Model, definition.Vocabulary.ToVocabulary(), state.Settings,
                    state.Parameters, state.OptimizerState, new CheckpointMetadata(history.LastTrainLoss, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()))),
                history.ToHistory()), null);
        }
        catch (CheckpointException e)
        {
            return (null, $"the state at step {state.Step} cannot be checkpointed: {e.Message}");
        }
    }
}
