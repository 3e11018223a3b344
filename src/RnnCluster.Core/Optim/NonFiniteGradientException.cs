using RnnCluster.Core.Kernels;

namespace RnnCluster.Core.Optim;

public sealed class NonFiniteGradientException(long step, double norm)
    : Exception($"Gradient of step {step} is not finite (norm {norm}); the update was not applied.")
{
    public long Step { get; } = step;
}
