namespace RnnCluster.Training.Node;

/// <summary>The run's latest progress for people and JSON: what has no value yet is null, never NaN.</summary>
public sealed record ProgressView(
    long Step,
    long TargetSteps,
    double Epoch,
    double? TrainLoss,
    double? ValidationLoss,
    double TokensPerSecond,
    int WorkersReady,
    long? LastCheckpoint,
    double? EtaSeconds,
    string? LastEvent);
