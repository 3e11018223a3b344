
namespace RnnCluster.Training.Coordinator;

/// <summary>Step times after the first 10 steps: a checkpoint or a GC pause shows up in the slowest.</summary>
public sealed record StepSpread(double MedianMs, double SlowestMs);
