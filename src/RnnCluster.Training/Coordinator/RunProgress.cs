
namespace RnnCluster.Training.Coordinator;

/// <summary>Published on the coordinator node's event stream after every step (for progress displays).</summary>
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
    string? Event);
