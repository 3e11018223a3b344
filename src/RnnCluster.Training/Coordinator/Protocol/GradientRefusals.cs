using MessagePack;

namespace RnnCluster.Training.Coordinator;

/// <summary>Reasons of <see cref="GradientRefused"/> that are no fault of the data (not counted towards "diverged").</summary>
public static class GradientRefusals
{
    public const string Overlap = "overlaps micro-batches already received";
    public const string Stale = "stale";
}
