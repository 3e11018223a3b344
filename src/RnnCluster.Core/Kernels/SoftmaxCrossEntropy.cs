using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

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
        float max = Max(logits, classes, vectorize);
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
        float max = Max(logits, classes, vectorize: true);
        float targetShifted = logits[target] - max;
        ExpShifted(logits, classes, max, vectorize: true);
        float sum = Reductions.Sum(new ReadOnlySpan<float>(logits, classes));
        return Math.Log(sum) - targetShifted;
    }

    /// <summary>m + ln Σ_j exp(l_j − m) in double (log-softmax: l_j minus this); the logits are overwritten with exp(l − m).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double LogSumExp(float* logits, int classes)
    {
        float max = Max(logits, classes, vectorize: true);
        ExpShifted(logits, classes, max, vectorize: true);
        float sum = Reductions.Sum(new ReadOnlySpan<float>(logits, classes));
        return max + Math.Log(sum);
    }

    /// <summary>
    /// The largest value that is not NaN (−∞ if none): m = x > m ? x : m, in any order. Only which
    /// zero wins between −0 and +0 can depend on the order, and l − m, exp and ln S do not see it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float Max(float* x, int n, bool vectorize)
    {
        float max = float.NegativeInfinity;
        int j = 0;
        if (vectorize && Vector256.IsHardwareAccelerated && n >= 2 * Vector256<float>.Count)
        {
            var a = Vector256.Create(float.NegativeInfinity);
            var b = a;
            for (; j + 2 * Vector256<float>.Count <= n; j += 2 * Vector256<float>.Count)
            {
                var u = Vector256.Load(x + j);
                var w = Vector256.Load(x + j + Vector256<float>.Count);
                a = Vector256.ConditionalSelect(Vector256.GreaterThan(u, a), u, a);
                b = Vector256.ConditionalSelect(Vector256.GreaterThan(w, b), w, b);
            }
            for (int l = 0; l < Vector256<float>.Count; l++)
            {
                max = a[l] > max ? a[l] : max;
                max = b[l] > max ? b[l] : max;
            }
        }
        for (; j < n; j++)
            max = x[j] > max ? x[j] : max;
        return max;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ExpShifted(float* x, int n, float max, bool vectorize)
    {
        int j = !vectorize ? 0 : Vector512.IsHardwareAccelerated ? ExpShifted<Lanes16>(x, n, max) : ExpShifted<Lanes8>(x, n, max);
        for (; j < n; j++)
            x[j] = ScalarActivations.Exp(x[j] - max);
    }

    /// <returns>How many values were done (whole vectors).</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int ExpShifted<L>(float* x, int n, float max) where L : struct, ILanes<L>
    {
        var vmax = L.Splat(max);
        int j = 0;
        for (; j + L.Count <= n; j += L.Count)
            L.Store(L.Exp(L.Load(x + j) - vmax), x + j);
        return j;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void WriteGradient(float* x, int n, float sum, float scale, bool vectorize)
    {
        int j = !vectorize ? 0 : Vector512.IsHardwareAccelerated ? WriteGradient<Lanes16>(x, n, sum, scale) : WriteGradient<Lanes8>(x, n, sum, scale);
        for (; j < n; j++)
            x[j] = x[j] / sum * scale;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int WriteGradient<L>(float* x, int n, float sum, float scale) where L : struct, ILanes<L>
    {
        var vsum = L.Splat(sum);
        var vscale = L.Splat(scale);
        int j = 0;
        for (; j + L.Count <= n; j += L.Count)
            L.Store(L.Load(x + j) / vsum * vscale, x + j);
        return j;
    }
}
