namespace RnnCluster.Training.Node;

/// <summary>Where one step's time went, in milliseconds: compute (slowest worker), transfer (the rest), reduce, apply.</summary>
public sealed record StepView(long Step, double StepMs, double ComputeMs, double TransferMs, double ReduceMs, double ApplyMs);
