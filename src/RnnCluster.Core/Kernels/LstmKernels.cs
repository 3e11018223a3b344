using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace RnnCluster.Core.Kernels;

/// <summary>
/// Fused gate math of one LSTM row (H units). Gate order in the 4H block: i, f, g, o.
///   forward:   i = σ(aᵢ)  f = σ(a_f)  g = tanh(a_g)  o = σ(a_o)
///              c = f·c₋₁ + i·g        h = o·tanh(c)
///   backward:  dh = dh_above + dh_next
///              dc = dc_next + dh·o·(1 − tanh²c)
///              daᵢ = dc·g·i(1−i)  da_f = dc·c₋₁·f(1−f)  da_g = dc·i·(1−g²)  da_o = dh·tanh c·o(1−o)
///              dc_next ← dc·f
/// The activated gates overwrite the pre-activations in forward, and their gradients overwrite
/// the activations in backward, so one (T·B, 4H) buffer serves both passes.
/// </summary>
internal static unsafe class LstmKernels
{
    /// <param name="gates">(4H) pre-activations in, activations out.</param>
    /// <param name="cPrev">(H) previous cell state, or null for the zero state.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward(float* gates, float* cPrev, float* c, float* tanhC, float* h, int hidden, bool vectorize = true)
    {
        int j = 0;
        if (vectorize)
        {
            if (Vector512.IsHardwareAccelerated) // one native-width loop per host (the bits are the same)
                for (; j + Lanes16.Count <= hidden; j += Lanes16.Count)
                    Forward<Lanes16>(gates, cPrev, c, tanhC, h, hidden, j);
            else
                for (; j + Lanes8.Count <= hidden; j += Lanes8.Count)
                    Forward<Lanes8>(gates, cPrev, c, tanhC, h, hidden, j);
        }
        for (; j < hidden; j++)
            Forward<Lanes1>(gates, cPrev, c, tanhC, h, hidden, j);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Forward<L>(float* gates, float* cPrev, float* c, float* tanhC, float* h, int hidden, int j)
        where L : struct, ILanes<L>
    {
        var i = L.Sigmoid(L.Load(gates + j));
        var f = L.Sigmoid(L.Load(gates + hidden + j));
        var g = L.Tanh(L.Load(gates + 2 * hidden + j));
        var o = L.Sigmoid(L.Load(gates + 3 * hidden + j));
        var cp = cPrev == null ? L.Splat(0f) : L.Load(cPrev + j);
        var cn = L.Fma(f, cp, i * g);
        var t = L.Tanh(cn);
        L.Store(i, gates + j);
        L.Store(f, gates + hidden + j);
        L.Store(g, gates + 2 * hidden + j);
        L.Store(o, gates + 3 * hidden + j);
        L.Store(cn, c + j);
        L.Store(t, tanhC + j);
        L.Store(o * t, h + j);
    }

    /// <param name="gates">(4H) activations in, pre-activation gradients out.</param>
    /// <param name="dhAbove">(H) gradient of h from the layer above at this step.</param>
    /// <param name="dhNext">(H) gradient of h from step t+1 (zeros at the last step).</param>
    /// <param name="dcNext">(H) in: gradient of c from step t+1; out: gradient of c₋₁.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Backward(float* gates, float* cPrev, float* tanhC, float* dhAbove, float* dhNext, float* dcNext, int hidden, bool vectorize = true)
    {
        int j = 0;
        if (vectorize)
        {
            if (Vector512.IsHardwareAccelerated) // one native-width loop per host (the bits are the same)
                for (; j + Lanes16.Count <= hidden; j += Lanes16.Count)
                    Backward<Lanes16>(gates, cPrev, tanhC, dhAbove, dhNext, dcNext, hidden, j);
            else
                for (; j + Lanes8.Count <= hidden; j += Lanes8.Count)
                    Backward<Lanes8>(gates, cPrev, tanhC, dhAbove, dhNext, dcNext, hidden, j);
        }
        for (; j < hidden; j++)
            Backward<Lanes1>(gates, cPrev, tanhC, dhAbove, dhNext, dcNext, hidden, j);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Backward<L>(float* gates, float* cPrev, float* tanhC, float* dhAbove, float* dhNext, float* dcNext, int hidden, int j)
        where L : struct, ILanes<L>
    {
        var one = L.Splat(1f);
        var i = L.Load(gates + j);
        var f = L.Load(gates + hidden + j);
        var g = L.Load(gates + 2 * hidden + j);
        var o = L.Load(gates + 3 * hidden + j);
        var t = L.Load(tanhC + j);
        var cp = cPrev == null ? L.Splat(0f) : L.Load(cPrev + j);
        var dh = L.Load(dhAbove + j) + L.Load(dhNext + j);
        var dc = L.Fma(dh * o, one - t * t, L.Load(dcNext + j));
        L.Store(dc * g * i * (one - i), gates + j);
        L.Store(dc * cp * f * (one - f), gates + hidden + j);
        L.Store(dc * i * (one - g * g), gates + 2 * hidden + j);
        L.Store(dh * t * o * (one - o), gates + 3 * hidden + j);
        L.Store(dc * f, dcNext + j);
    }
}
