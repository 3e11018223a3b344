using RnnCluster.Core.Kernels;

namespace RnnCluster.Core.Optim;

/// <summary>What one optimizer step did, for logs and progress displays.</summary>
public readonly record struct UpdateResult(double GradientNorm, bool Clipped, float LearningRate);
