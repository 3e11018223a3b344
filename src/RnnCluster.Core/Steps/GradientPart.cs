using RnnCluster.Core.Model;

namespace RnnCluster.Core.Steps;

/// <summary>One contiguous range [Offset, Offset + Length) of the flat gradient.</summary>
public readonly record struct GradientPart(int Offset, int Length)
{
    public int End => Offset + Length;

    public override string ToString() => $"[{Offset},{End})";
}
