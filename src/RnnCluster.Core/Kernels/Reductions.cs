using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace RnnCluster.Core.Kernels;

/// <summary>
/// Sums whose order is fixed by the algorithm, not by the vector width: element i goes to lane
/// i mod 16, lanes are added element by element, then folded as a fixed tree
/// (lane j += lane j+8; j += j+4; j += j+2; 0 += 1). A Vector512, two Vector256 or sixteen
/// scalars all produce the same bits; <see cref="ScalarReductions"/> states it in scalar code.
/// </summary>
public static unsafe class Reductions
{
    public const int Lanes = 16;

    /// <summary>Σ x[i] in the 16-lane order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float Sum(ReadOnlySpan<float> x)
    {
        fixed (float* p = x)
        {
            if (!Vector512.IsHardwareAccelerated)
                return Sum256(p, x.Length);
            var acc = Vector512<float>.Zero;
            int i = 0;
            for (; i + Lanes <= x.Length; i += Lanes)
                acc += Vector512.Load(p + i);
            if (i < x.Length)
                acc += LoadTail(p + i, x.Length - i);
            return Fold(acc);
        }
    }

    /// <summary>Σ x[i]² accumulated in double (exact products) in the 16-lane order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double SumOfSquares(ReadOnlySpan<float> x)
    {
        fixed (float* p = x)
        {
            if (!Vector512.IsHardwareAccelerated)
                return SumOfSquares256(p, x.Length);
            var lo = Vector512<double>.Zero;
            var hi = Vector512<double>.Zero;
            int i = 0;
            for (; i + Lanes <= x.Length; i += Lanes)
                Accumulate(Vector512.Load(p + i), ref lo, ref hi);
            if (i < x.Length)
                Accumulate(LoadTail(p + i, x.Length - i), ref lo, ref hi);
            return Fold(lo, hi);
        }
    }

    // AVX2 hosts: the same 16 lanes as two (sums) or four (squares in double) Vector256, folded in
    // the same tree, instead of Vector512 run in software.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float Sum256(float* p, int n)
    {
        Vector256<float> lo = Vector256<float>.Zero, hi = Vector256<float>.Zero;
        int i = 0;
        for (; i + Lanes <= n; i += Lanes)
        {
            lo += Vector256.Load(p + i);
            hi += Vector256.Load(p + i + 8);
        }
        if (i < n)
        {
            var tail = LoadTail256(p + i, n - i);
            lo += tail.Lo;
            hi += tail.Hi;
        }
        var v4 = (lo + hi).GetLower() + (lo + hi).GetUpper();
        return v4.GetElement(0) + v4.GetElement(2) + (v4.GetElement(1) + v4.GetElement(3));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double SumOfSquares256(float* p, int n)
    {
        Vector256<double> l0 = Vector256<double>.Zero, l1 = l0, h0 = l0, h1 = l0;
        int i = 0;
        for (; i + Lanes <= n; i += Lanes)
            Accumulate256(Vector256.Load(p + i), Vector256.Load(p + i + 8), ref l0, ref l1, ref h0, ref h1);
        if (i < n)
        {
            var (lo, hi) = LoadTail256(p + i, n - i);
            Accumulate256(lo, hi, ref l0, ref l1, ref h0, ref h1);
        }
        var v4 = (l0 + h0) + (l1 + h1);
        return v4.GetElement(0) + v4.GetElement(2) + (v4.GetElement(1) + v4.GetElement(3));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Accumulate256(Vector256<float> lo, Vector256<float> hi, ref Vector256<double> l0, ref Vector256<double> l1, ref Vector256<double> h0, ref Vector256<double> h1)
    {
        var (a, b) = Vector256.Widen(lo);
        var (c, d) = Vector256.Widen(hi);
        l0 = Vector256.FusedMultiplyAdd(a, a, l0);
        l1 = Vector256.FusedMultiplyAdd(b, b, l1);
        h0 = Vector256.FusedMultiplyAdd(c, c, h0);
        h1 = Vector256.FusedMultiplyAdd(d, d, h1);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector256<float> Lo, Vector256<float> Hi) LoadTail256(float* p, int count)
    {
        float* tmp = stackalloc float[Lanes];
        for (int j = 0; j < Lanes; j++)
            tmp[j] = j < count ? p[j] : 0f;
        return (Vector256.Load(tmp), Vector256.Load(tmp + 8));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Accumulate(Vector512<float> v, ref Vector512<double> lo, ref Vector512<double> hi)
    {
        var (a, b) = Vector512.Widen(v);
        lo = Vector512.FusedMultiplyAdd(a, a, lo);
        hi = Vector512.FusedMultiplyAdd(b, b, hi);
    }

    /// <summary>Zero-padded load: adding +0 to a lane leaves it bit-identical, so the tail needs no special order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<float> LoadTail(float* p, int count)
    {
        float* tmp = stackalloc float[Lanes];
        for (int j = 0; j < Lanes; j++)
            tmp[j] = j < count ? p[j] : 0f;
        return Vector512.Load(tmp);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Fold(Vector512<float> acc)
    {
        var v8 = acc.GetLower() + acc.GetUpper();
        var v4 = v8.GetLower() + v8.GetUpper();
        float a0 = v4.GetElement(0) + v4.GetElement(2);
        float a1 = v4.GetElement(1) + v4.GetElement(3);
        return a0 + a1;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double Fold(Vector512<double> lo, Vector512<double> hi)
    {
        var v8 = lo + hi;
        var v4 = v8.GetLower() + v8.GetUpper();
        double a0 = v4.GetElement(0) + v4.GetElement(2);
        double a1 = v4.GetElement(1) + v4.GetElement(3);
        return a0 + a1;
    }
}
