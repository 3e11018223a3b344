using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace RnnCluster.Core.Kernels;

/// <summary>Element-wise helpers; each output element depends on its own inputs only, so the order is trivially fixed.</summary>
internal static unsafe class Elementwise
{
    /// <summary>dst[r, :] = row for every r of a (rows, cols) matrix with row stride ld.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void FillRows(float* dst, int rows, int cols, int ld, float* row)
    {
        for (int r = 0; r < rows; r++)
            Buffer.MemoryCopy(row, dst + (long)r * ld, cols * sizeof(float), cols * sizeof(float));
    }

    /// <summary>dst[j] = Σ_r src[r, j], added in ascending r starting from 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ColumnSums(float* src, int rows, int cols, int ld, float* dst)
    {
        new Span<float>(dst, cols).Clear();
        for (int r = 0; r < rows; r++)
            AddInPlace(dst, src + (long)r * ld, cols);
    }

    /// <summary>dst[i] = dst[i] + src[i].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AddInPlace(float* dst, float* src, int n)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated) // one native-width loop per host (the bits are the same)
            for (; i + Lanes16.Count <= n; i += Lanes16.Count)
                Lanes16.Store(Lanes16.Load(dst + i) + Lanes16.Load(src + i), dst + i);
        else
            for (; i + Lanes8.Count <= n; i += Lanes8.Count)
                Lanes8.Store(Lanes8.Load(dst + i) + Lanes8.Load(src + i), dst + i);
        for (; i < n; i++)
            dst[i] += src[i];
    }

    /// <summary>dst[i] = a[i] + b[i].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Add(float* a, float* b, float* dst, int n)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated) // one native-width loop per host (the bits are the same)
            for (; i + Lanes16.Count <= n; i += Lanes16.Count)
                Lanes16.Store(Lanes16.Load(a + i) + Lanes16.Load(b + i), dst + i);
        else
            for (; i + Lanes8.Count <= n; i += Lanes8.Count)
                Lanes8.Store(Lanes8.Load(a + i) + Lanes8.Load(b + i), dst + i);
        for (; i < n; i++)
            dst[i] = a[i] + b[i];
    }

    /// <summary>dst[i] = dst[i] · s.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Scale(float* dst, float s, int n)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated) // one native-width loop per host (the bits are the same)
            for (; i + Lanes16.Count <= n; i += Lanes16.Count)
                Lanes16.Store(Lanes16.Load(dst + i) * Lanes16.Splat(s), dst + i);
        else
            for (; i + Lanes8.Count <= n; i += Lanes8.Count)
                Lanes8.Store(Lanes8.Load(dst + i) * Lanes8.Splat(s), dst + i);
        for (; i < n; i++)
            dst[i] *= s;
    }

    /// <summary>dst[i] = dst[i] · m[i].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MultiplyInPlace(float* dst, float* m, int n)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated) // one native-width loop per host (the bits are the same)
            for (; i + Lanes16.Count <= n; i += Lanes16.Count)
                Lanes16.Store(Lanes16.Load(dst + i) * Lanes16.Load(m + i), dst + i);
        else
            for (; i + Lanes8.Count <= n; i += Lanes8.Count)
                Lanes8.Store(Lanes8.Load(dst + i) * Lanes8.Load(m + i), dst + i);
        for (; i < n; i++)
            dst[i] *= m[i];
    }

    /// <summary>dst[i] = a[i] · m[i].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Multiply(float* a, float* m, float* dst, int n)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated) // one native-width loop per host (the bits are the same)
            for (; i + Lanes16.Count <= n; i += Lanes16.Count)
                Lanes16.Store(Lanes16.Load(a + i) * Lanes16.Load(m + i), dst + i);
        else
            for (; i + Lanes8.Count <= n; i += Lanes8.Count)
                Lanes8.Store(Lanes8.Load(a + i) * Lanes8.Load(m + i), dst + i);
        for (; i < n; i++)
            dst[i] = a[i] * m[i];
    }

    /// <summary>True when every value is finite (no NaN, no ±∞).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool AllFinite(ReadOnlySpan<float> x)
    {
        // x − x is 0 for finite x and NaN for NaN or ±∞; one NaN poisons the running sum.
        fixed (float* p = x)
            return Vector512.IsHardwareAccelerated ? AllFinite<Lanes16>(p, x.Length) : AllFinite<Lanes8>(p, x.Length);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool AllFinite<L>(float* p, int n) where L : struct, ILanes<L>
    {
        var acc = L.Splat(0f);
        int i = 0;
        for (; i + L.Count <= n; i += L.Count)
        {
            var v = L.Load(p + i);
            acc += v - v;
        }
        float tail = 0f;
        for (; i < n; i++)
            tail += p[i] - p[i];
        float* lanes = stackalloc float[L.Count];
        L.Store(acc, lanes);
        for (int j = 0; j < L.Count; j++)
            tail += lanes[j];
        return tail == 0f; // only zero or NaN can come of it, in any order
    }
}
