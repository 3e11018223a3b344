using RnnCluster.Core.Checkpoints;
using RnnCluster.Core.Steps;
using RnnCluster.Training.Wire;

namespace RnnCluster.Training.ParameterServer;

/// <summary>The training state a loaded checkpoint resumes, once it is checked against the run's definition.</summary>
public static class ResumePoint
{
    /// <returns>The state, or why this checkpoint cannot resume the run.</returns>
    public static (TrainingState? State, string? Refusal) From(string runId, Checkpoint checkpoint, RunDefinition definition)
    {
        if (CheckpointCompatibility.FirstDifference(checkpoint, definition.Model.ToModel(), definition.Settings.ToSettings(), definition.Vocabulary.ToVocabulary()) is { } difference)
            return (null, $"cannot resume run '{runId}' from its checkpoint at step {checkpoint.Step}: {difference}");
        try
        {
            return (new TrainingState(checkpoint.Model, checkpoint.Settings, checkpoint.Parameters, checkpoint.OptimizerState, checkpoint.Step), null);
        }
        catch (ArgumentException e)
        {
            return (null, $"checkpoint of run '{runId}' at step {checkpoint.Step} does not match its settings: {e.Message}");
        }
    }
}
