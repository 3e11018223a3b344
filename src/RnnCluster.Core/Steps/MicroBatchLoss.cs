using RnnCluster.Core.Data;
using RnnCluster.Core.Model;
using RnnCluster.Core.Optim;

namespace RnnCluster.Core.Steps;

/// <summary>The loss of one micro-batch: Σ over its tokens, in nats.</summary>
public readonly record struct MicroBatchLoss(double Sum, int Tokens)
{
    public double Mean => Tokens == 0 ? double.NaN : Sum / Tokens;
}
