using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace RnnCluster.Core.Kernels;

/// <summary>
/// Fused gate math of one GRU row (PyTorch's formulation). Gate order in the 3H block: r, z, n.
///   forward:   r = σ(x_r + h_r)   z = σ(x_z + h_z)   n = tanh(x_n + r·h_n)
///              h = (1 − z)·n + z·h₋₁  =  n + z·(h₋₁ − n)
///   (x_* = x·Wx + bx, h_* = h₋₁·Wh + bh)
///   backward:  dh = dh_above + dh_next
///              dn = dh·(1 − z)·(1 − n²)          → gradient of x_n
///              dz = dh·(h₋₁ − n)·z(1 − z)        → gradient of x_z and h_z
///              dr = dn·h_n·r(1 − r)              → gradient of x_r and h_r
///              gradient of h_n = dn·r;   dh₋₁ (direct part) = dh·z
/// </summary>
internal static unsafe class GruKernels
{
    /// <param name="xGates">(3H) x-side pre-activations in; activations r, z, n out.</param>
    /// <param name="hGates">(3H) h-side pre-activations h_r, h_z, h_n.</param>
    /// <param name="hn">(H) keeps h_n for the backward pass.</param>
    /// <param name="hPrev">(H) previous state, or null for the zero state.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward(float* xGates, float* hGates, float* hn, float* hPrev, float* h, int hidden, bool vectorize = true)
    {
        int j = 0;
        if (vectorize)
        {
            if (Vector512.IsHardwareAccelerated) // one native-width loop per host (the bits are the same)
                for (; j + Lanes16.Count <= hidden; j += Lanes16.Count)
                    Forward<Lanes16>(xGates, hGates, hn, hPrev, h, hidden, j);
            else
                for (; j + Lanes8.Count <= hidden; j += Lanes8.Count)
                    Forward<Lanes8>(xGates, hGates, hn, hPrev, h, hidden, j);
        }
        for (; j < hidden; j++)
            Forward<Lanes1>(xGates, hGates, hn, hPrev, h, hidden, j);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Forward<L>(float* xGates, float* hGates, float* hn, float* hPrev, float* h, int hidden, int j)
        where L : struct, ILanes<L>
    {
        var r = L.Sigmoid(L.Load(xGates + j) + L.Load(hGates + j));
        var z = L.Sigmoid(L.Load(xGates + hidden + j) + L.Load(hGates + hidden + j));
        var hnj = L.Load(hGates + 2 * hidden + j);
        var n = L.Tanh(L.Fma(r, hnj, L.Load(xGates + 2 * hidden + j)));
        var hp = hPrev == null ? L.Splat(0f) : L.Load(hPrev + j);
        L.Store(r, xGates + j);
        L.Store(z, xGates + hidden + j);
        L.Store(n, xGates + 2 * hidden + j);
        L.Store(hnj, hn + j);
        L.Store(L.Fma(z, hp - n, n), h + j);
    }

    /// <param name="xGates">(3H) activations in; gradients of the x-side pre-activations out.</param>
    /// <param name="hGrad">(3H) out: gradients of the h-side pre-activations.</param>
    /// <param name="dhNext">(H) in: gradient of h from step t+1; out: the direct part dh·z of the gradient of h₋₁.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Backward(float* xGates, float* hn, float* hPrev, float* dhAbove, float* dhNext, float* hGrad, int hidden, bool vectorize = true)
    {
        int j = 0;
        if (vectorize)
        {
            if (Vector512.IsHardwareAccelerated) // one native-width loop per host (the bits are the same)
                for (; j + Lanes16.Count <= hidden; j += Lanes16.Count)
                    Backward<Lanes16>(xGates, hn, hPrev, dhAbove, dhNext, hGrad, hidden, j);
            else
                for (; j + Lanes8.Count <= hidden; j += Lanes8.Count)
                    Backward<Lanes8>(xGates, hn, hPrev, dhAbove, dhNext, hGrad, hidden, j);
        }
        for (; j < hidden; j++)
            Backward<Lanes1>(xGates, hn, hPrev, dhAbove, dhNext, hGrad, hidden, j);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Backward<L>(float* xGates, float* hn, float* hPrev, float* dhAbove, float* dhNext, float* hGrad, int hidden, int j)
        where L : struct, ILanes<L>
    {
        var one = L.Splat(1f);
        var r = L.Load(xGates + j);
        var z = L.Load(xGates + hidden + j);
        var n = L.Load(xGates + 2 * hidden + j);
        var hp = hPrev == null ? L.Splat(0f) : L.Load(hPrev + j);
        var dh = L.Load(dhAbove + j) + L.Load(dhNext + j);
        var dn = dh * (one - z) * (one - n * n);
        var dz = dh * (hp - n) * z * (one - z);
        var dr = dn * L.Load(hn + j) * r * (one - r);
        L.Store(dr, xGates + j);
        L.Store(dz, xGates + hidden + j);
        L.Store(dn, xGates + 2 * hidden + j);
        L.Store(dr, hGrad + j);
        L.Store(dz, hGrad + hidden + j);
        L.Store(dn * r, hGrad + 2 * hidden + j);
        L.Store(dh * z, dhNext + j);
    }
}
