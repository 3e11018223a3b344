using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using RnnCluster.Core.Kernels;

namespace RnnCluster.Core.Optim;

/// <summary>
/// Per-element update rules (PyTorch's formulations). Each parameter depends only on its own
/// gradient and state, and every rule is written once over <see cref="ILanes{TSelf}"/>, so the
/// vector loop and the tail give identical bits.
///   Adam:     m = β₁m + (1−β₁)g;  v = β₂v + (1−β₂)g²;  p −= (lr/bc₁)·m / (√v/√bc₂ + ε)
///             (Adam adds wd·p to g first; AdamW multiplies p by 1 − lr·wd first)
///   SGD:      b = μb + g;  p −= lr·b           (μ = 0: p −= lr·g)
///   RMSprop:  s = αs + (1−α)g²;  u = g / (√s + ε);  b = μb + u;  p −= lr·b   (μ = 0: p −= lr·u)
/// </summary>
internal static unsafe class OptimizerKernels
{
    public readonly record struct AdamCoefficients(float Beta1, float Beta2, float StepSize, float Bc2Sqrt, float Epsilon, float L2, float Decay);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Adam(float* p, float* g, float* m, float* v, int n, AdamCoefficients k, bool vectorize = true)
    {
        int i = 0;
        if (vectorize)
        {
            if (Vector512.IsHardwareAccelerated) // one native-width loop per host (the bits are the same)
                for (; i + Lanes16.Count <= n; i += Lanes16.Count)
                    Adam<Lanes16>(p + i, g + i, m + i, v + i, k);
            else
                for (; i + Lanes8.Count <= n; i += Lanes8.Count)
                    Adam<Lanes8>(p + i, g + i, m + i, v + i, k);
        }
        for (; i < n; i++)
            Adam<Lanes1>(p + i, g + i, m + i, v + i, k);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Adam<L>(float* pp, float* gp, float* mp, float* vp, AdamCoefficients k) where L : struct, ILanes<L>
    {
        var p = L.Load(pp);
        var g = L.Fma(L.Splat(k.L2), p, L.Load(gp));
        p = p * L.Splat(k.Decay);
        var m = L.Fma(L.Splat(k.Beta1), L.Load(mp), L.Splat(1f - k.Beta1) * g);
        var v = L.Fma(L.Splat(k.Beta2), L.Load(vp), L.Splat(1f - k.Beta2) * g * g);
        var denominator = L.Sqrt(v) / L.Splat(k.Bc2Sqrt) + L.Splat(k.Epsilon);
        L.Store(m, mp);
        L.Store(v, vp);
        L.Store(L.Fma(L.Splat(-k.StepSize), m / denominator, p), pp);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Sgd(float* p, float* g, float* buffer, int n, float lr, float momentum, bool vectorize = true)
    {
        int i = 0;
        if (vectorize)
        {
            if (Vector512.IsHardwareAccelerated) // one native-width loop per host (the bits are the same)
                for (; i + Lanes16.Count <= n; i += Lanes16.Count)
                    Sgd<Lanes16>(p + i, g + i, buffer == null ? null : buffer + i, lr, momentum);
            else
                for (; i + Lanes8.Count <= n; i += Lanes8.Count)
                    Sgd<Lanes8>(p + i, g + i, buffer == null ? null : buffer + i, lr, momentum);
        }
        for (; i < n; i++)
            Sgd<Lanes1>(p + i, g + i, buffer == null ? null : buffer + i, lr, momentum);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Sgd<L>(float* pp, float* gp, float* bp, float lr, float momentum) where L : struct, ILanes<L>
    {
        var step = L.Load(gp);
        if (bp != null)
        {
            step = L.Fma(L.Splat(momentum), L.Load(bp), step);
            L.Store(step, bp);
        }
        L.Store(L.Fma(L.Splat(-lr), step, L.Load(pp)), pp);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void RmsProp(float* p, float* g, float* square, float* buffer, int n, float lr, float alpha, float epsilon, float momentum, bool vectorize = true)
    {
        int i = 0;
        if (vectorize)
        {
            if (Vector512.IsHardwareAccelerated) // one native-width loop per host (the bits are the same)
                for (; i + Lanes16.Count <= n; i += Lanes16.Count)
                    RmsProp<Lanes16>(p + i, g + i, square + i, buffer == null ? null : buffer + i, lr, alpha, epsilon, momentum);
            else
                for (; i + Lanes8.Count <= n; i += Lanes8.Count)
                    RmsProp<Lanes8>(p + i, g + i, square + i, buffer == null ? null : buffer + i, lr, alpha, epsilon, momentum);
        }
        for (; i < n; i++)
            RmsProp<Lanes1>(p + i, g + i, square + i, buffer == null ? null : buffer + i, lr, alpha, epsilon, momentum);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RmsProp<L>(float* pp, float* gp, float* sp, float* bp, float lr, float alpha, float epsilon, float momentum)
        where L : struct, ILanes<L>
    {
        var g = L.Load(gp);
        var s = L.Fma(L.Splat(alpha), L.Load(sp), L.Splat(1f - alpha) * g * g);
        L.Store(s, sp);
        var step = g / (L.Sqrt(s) + L.Splat(epsilon));
        if (bp != null)
        {
            step = L.Fma(L.Splat(momentum), L.Load(bp), step);
            L.Store(step, bp);
        }
        L.Store(L.Fma(L.Splat(-lr), step, L.Load(pp)), pp);
    }
}
