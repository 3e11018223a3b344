using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace RnnCluster.Core.Kernels;

/// <summary>The scalar statement of the order of <see cref="Reductions"/>.</summary>
public static class ScalarReductions
{
    public static float Sum(ReadOnlySpan<float> x)
    {
        Span<float> lanes = stackalloc float[Reductions.Lanes];
        lanes.Clear();
        for (int i = 0; i < x.Length; i++)
            lanes[i % Reductions.Lanes] += x[i];
        for (int width = Reductions.Lanes / 2; width >= 1; width /= 2)
            for (int j = 0; j < width; j++)
                lanes[j] += lanes[j + width];
        return lanes[0];
    }

    public static double SumOfSquares(ReadOnlySpan<float> x)
    {
        Span<double> lanes = stackalloc double[Reductions.Lanes];
        lanes.Clear();
        for (int i = 0; i < x.Length; i++)
            lanes[i % Reductions.Lanes] = Math.FusedMultiplyAdd(x[i], x[i], lanes[i % Reductions.Lanes]);
        for (int width = Reductions.Lanes / 2; width >= 1; width /= 2)
            for (int j = 0; j < width; j++)
                lanes[j] += lanes[j + width];
        return lanes[0];
    }
}
