using System.Runtime.CompilerServices;

namespace RnnCluster.Core.Kernels;

/// <summary>
/// Softmax cross-entropy of one row of V logits against a target class, fused with its gradient.
///   m = max_j l_j;  e_j = exp(l_j − m);  S = Σ_j e_j (16-lane order, <see cref="Reductions"/>)
///   loss = ln S − (l_target − m)            (returned in double)
///   dl_j = (e_j / S − [j = target]) · scale (written over the logits)
/// </summary>
internal static unsafe class SoftmaxCrossEntropy
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double ForwardBackward(float* logits, int classes, int target, float scale, bool vectorize = true)
    {
        float max = Max(logits, classes);
        float targetShifted = logits[target] - max;
        ExpShifted(logits, classes, max, vectorize);
        float sum = Reductions.Sum(new ReadOnlySpan<float>(logits, classes));
        float targetExp = logits[target];
        WriteGradient(logits, classes, sum, scale, vectorize);
        logits[target] = (targetExp / sum - 1f) * scale;
        return Math.Log(sum) - targetShifted;
    }

    /// <summary>Loss only; the logits are overwritten with exp(l − m).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double Loss(float* logits, int classes, int target)
    {
        float max = Max(logits, classes);
        float targetShifted = logits[target] - max;
        ExpShifted(logits, classes, max, vectorize: true);
        float sum = Reductions.Sum(new ReadOnlySpan<float>(logits, classes));
        return Math.Log(sum) - targetShifted;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float Max(float* x, int n)
    {
        float max = float.NegativeInfinity;
        for (int j = 0; j < n; j++)
            max = x[j] > max ? x[j] : max;
        return max;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ExpShifted(float* x, int n, float max, bool vectorize)
    {
        var vmax = Lanes16.Splat(max);
        int j = 0;
        if (vectorize)
            for (; j + Lanes16.Count <= n; j += Lanes16.Count)
                Lanes16.Store(Lanes16.Exp(Lanes16.Load(x + j) - vmax), x + j);
        for (; j < n; j++)
            x[j] = ScalarActivations.Exp(x[j] - max);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void WriteGradient(float* x, int n, float sum, float scale, bool vectorize)
    {
        var vsum = Lanes16.Splat(sum);
        var vscale = Lanes16.Splat(scale);
        int j = 0;
        if (vectorize)
            for (; j + Lanes16.Count <= n; j += Lanes16.Count)
                Lanes16.Store(Lanes16.Load(x + j) / vsum * vscale, x + j);
        for (; j < n; j++)
            x[j] = x[j] / sum * scale;
    }
}
