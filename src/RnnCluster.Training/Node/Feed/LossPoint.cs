namespace RnnCluster.Training.Node;

/// <summary>One point of a loss curve.</summary>
public sealed record LossPoint(long Step, double Loss);
