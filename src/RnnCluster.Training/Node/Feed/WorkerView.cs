namespace RnnCluster.Training.Node;

/// <summary>One worker of the run: its shares, compute times (over its recent shares), last step and faults.</summary>
public sealed record WorkerView(
    string Id,
    string Status,
    long Shares,
    double? ComputeMedianMs,
    double? ComputeP95Ms,
    long? LastStep,
    int Lost,
    int Refused,
    int Backups,
    string? LastFault);
