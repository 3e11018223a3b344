using System.Runtime.CompilerServices;

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
        for (; i + Lanes16.Count <= n; i += Lanes16.Count)
            Lanes16.Store(Lanes16.Load(dst + i) + Lanes16.Load(src + i), dst + i);
        for (; i < n; i++)
            dst[i] += src[i];
    }

    /// <summary>dst[i] = a[i] + b[i].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Add(float* a, float* b, float* dst, int n)
    {
        int i = 0;
        for (; i + Lanes16.Count <= n; i += Lanes16.Count)
            Lanes16.Store(Lanes16.Load(a + i) + Lanes16.Load(b + i), dst + i);
        for (; i < n; i++)
            dst[i] = a[i] + b[i];
    }

    /// <summary>dst[i] = dst[i] · s.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Scale(float* dst, float s, int n)
    {
        var vs = Lanes16.Splat(s);
        int i = 0;
        for (; i + Lanes16.Count <= n; i += Lanes16.Count)
            Lanes16.Store(Lanes16.Load(dst + i) * vs, dst + i);
        for (; i < n; i++)
            dst[i] *= s;
    }

    /// <summary>dst[i] = dst[i] · m[i].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MultiplyInPlace(float* dst, float* m, int n)
    {
        int i = 0;
        for (; i + Lanes16.Count <= n; i += Lanes16.Count)
            Lanes16.Store(Lanes16.Load(dst + i) * Lanes16.Load(m + i), dst + i);
        for (; i < n; i++)
            dst[i] *= m[i];
    }

    /// <summary>dst[i] = a[i] · m[i].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Multiply(float* a, float* m, float* dst, int n)
    {
        int i = 0;
        for (; i + Lanes16.Count <= n; i += Lanes16.Count)
            Lanes16.Store(Lanes16.Load(a + i) * Lanes16.Load(m + i), dst + i);
        for (; i < n; i++)
            dst[i] = a[i] * m[i];
    }

    /// <summary>True when every value is finite (no NaN, no ±∞).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool AllFinite(ReadOnlySpan<float> x)
    {
        // x − x is 0 for finite x and NaN for NaN or ±∞; one NaN poisons the running sum.
        fixed (float* p = x)
        {
            var acc = Lanes16.Splat(0f);
            int i = 0;
            for (; i + Lanes16.Count <= x.Length; i += Lanes16.Count)
            {
                var v = Lanes16.Load(p + i);
                acc += v - v;
            }
            float tail = 0f;
            for (; i < x.Length; i++)
                tail += p[i] - p[i];
            float* lanes = stackalloc float[Lanes16.Count];
            Lanes16.Store(acc, lanes);
            for (int j = 0; j < Lanes16.Count; j++)
                tail += lanes[j];
            return tail == 0f;
        }
    }
}
