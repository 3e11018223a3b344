
namespace RnnCluster.Training.Coordinator;

/// <summary>Published on the coordinator node's event stream after every step (for progress displays).</summary>
/// <param name="LastStep">The timing of the latest applied step alone (the dashboard's step timeline); <paramref name="Timing"/> is a mean.</param>
/// <param name="TokensPerStep">Tokens one step trains on, so that observers can count tokens without the run's settings.</param>
public sealed record RunProgress(
    string RunId,
    long Step,
    long TargetSteps,
    double Epoch,
    double TrainLoss,
    double? ValidationLoss,
    double TokensPerSecond,
    int WorkersAlive,
    long? LastCheckpoint,
    StepTiming Timing,
    string? Event,
    StepTiming? LastStep = null,
    long TokensPerStep = 0);
