
namespace RnnCluster.Training.Coordinator;

/// <summary>Where the time of a step goes, averaged over the last steps.</summary>
public sealed record StepTiming(double StepMs, double ComputeMs, double WaitMs, double ReduceMs, double ApplyMs);
