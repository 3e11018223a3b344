using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace RnnCluster.Core.Kernels;

/// <summary>
/// Plain tanh RNN row (H units):  forward h = tanh(a);  backward da = (dh_above + dh_next)·(1 − h²).
/// </summary>
internal static unsafe class RnnKernels
{
    /// <param name="gates">(H) pre-activations in, h out (kept for backward).</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward(float* gates, float* h, int hidden, bool vectorize = true)
    {
        int j = 0;
        if (vectorize)
        {
            if (Vector512.IsHardwareAccelerated) // one native-width loop per host (the bits are the same)
                for (; j + Lanes16.Count <= hidden; j += Lanes16.Count)
                    Forward<Lanes16>(gates, h, j);
            else
                for (; j + Lanes8.Count <= hidden; j += Lanes8.Count)
                    Forward<Lanes8>(gates, h, j);
        }
        for (; j < hidden; j++)
            Forward<Lanes1>(gates, h, j);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Forward<L>(float* gates, float* h, int j) where L : struct, ILanes<L>
    {
        var t = L.Tanh(L.Load(gates + j));
        L.Store(t, gates + j);
        L.Store(t, h + j);
    }

    /// <param name="gates">(H) activations h in, pre-activation gradients out.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Backward(float* gates, float* dhAbove, float* dhNext, int hidden, bool vectorize = true)
    {
        int j = 0;
        if (vectorize)
        {
            if (Vector512.IsHardwareAccelerated) // one native-width loop per host (the bits are the same)
                for (; j + Lanes16.Count <= hidden; j += Lanes16.Count)
                    Backward<Lanes16>(gates, dhAbove, dhNext, j);
            else
                for (; j + Lanes8.Count <= hidden; j += Lanes8.Count)
                    Backward<Lanes8>(gates, dhAbove, dhNext, j);
        }
        for (; j < hidden; j++)
            Backward<Lanes1>(gates, dhAbove, dhNext, j);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Backward<L>(float* gates, float* dhAbove, float* dhNext, int j) where L : struct, ILanes<L>
    {
        var h = L.Load(gates + j);
        var dh = L.Load(dhAbove + j) + L.Load(dhNext + j);
        L.Store(dh * (L.Splat(1f) - h * h), gates + j);
    }
}
