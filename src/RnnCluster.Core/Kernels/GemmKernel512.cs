using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace RnnCluster.Core.Kernels;

/// <summary>
/// AVX-512 microkernels. 8×32: 16 zmm accumulators (two FMA ports × 4-cycle latency need ≥ 8
/// independent chains), 2 B loads + 8 embedded-broadcast A loads per 16 FMAs; measured at ~95% of
/// the FMA peak with operands in L1. 8×16 serves a narrow last panel; 8×(32+1..2) folds a 1–2
/// column remainder (N = 65) into the last full panel, vectorised over the 8 rows.
/// </summary>
internal readonly unsafe struct GemmKernel512 : IGemmMicroKernel
{
    public static bool IsSupported => Avx512F.IsSupported;

    public static int KC => GemmLayout.WideKC;

    public static int MC => GemmLayout.WideMC;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Tile(int kc, float* a, long aStep, float* b, long bStep, int w, float* c, long ldc, bool load)
    {
        if (w == GemmLayout.NR)
            Tile8x32(kc, a, aStep, b, bStep, c, ldc, load);
        else
            Tile8x16(kc, a, aStep, b, bStep, c, ldc, load);
    }

    /// <summary>
    /// 8×32 plus one or two columns. The extra columns are vectorised across the 8 rows (lanes are
    /// rows: x0[r] is the chain of C[r, 32]) from the same A values the 32-wide part broadcasts, so
    /// they cost 2 more FMAs per k instead of a 16-wide tile's 8. Lanes are still independent
    /// outputs: nothing is summed across lanes, k stays the sequential chain.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    public static void TileWithColumns(int kc, float* a, long aStep, float* b, long bStep, float* bx, long bxStep, int rx, float* c, long ldc, bool load)
    {
        Vector512<float> c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51, c60, c61, c70, c71;
        Vector256<float> x0, x1;
        if (load)
        {
            float* r = c;
            c00 = Vector512.Load(r); c01 = Vector512.Load(r + 16); r += ldc;
            c10 = Vector512.Load(r); c11 = Vector512.Load(r + 16); r += ldc;
            c20 = Vector512.Load(r); c21 = Vector512.Load(r + 16); r += ldc;
            c30 = Vector512.Load(r); c31 = Vector512.Load(r + 16); r += ldc;
            c40 = Vector512.Load(r); c41 = Vector512.Load(r + 16); r += ldc;
            c50 = Vector512.Load(r); c51 = Vector512.Load(r + 16); r += ldc;
            c60 = Vector512.Load(r); c61 = Vector512.Load(r + 16); r += ldc;
            c70 = Vector512.Load(r); c71 = Vector512.Load(r + 16);
            x0 = GemmColumns.LoadColumn(c + GemmLayout.NR, ldc);
            x1 = rx > 1 ? GemmColumns.LoadColumn(c + GemmLayout.NR + 1, ldc) : Vector256<float>.Zero;
        }
        else
        {
            c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = Vector512<float>.Zero;
            c40 = c41 = c50 = c51 = c60 = c61 = c70 = c71 = Vector512<float>.Zero;
            x0 = x1 = Vector256<float>.Zero;
        }

        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + 16);
            var x = Vector512.Create(a[0]);
            c00 = Avx512F.FusedMultiplyAdd(x, b0, c00); c01 = Avx512F.FusedMultiplyAdd(x, b1, c01);
            x = Vector512.Create(a[1]);
            c10 = Avx512F.FusedMultiplyAdd(x, b0, c10); c11 = Avx512F.FusedMultiplyAdd(x, b1, c11);
            x = Vector512.Create(a[2]);
            c20 = Avx512F.FusedMultiplyAdd(x, b0, c20); c21 = Avx512F.FusedMultiplyAdd(x, b1, c21);
            x = Vector512.Create(a[3]);
            c30 = Avx512F.FusedMultiplyAdd(x, b0, c30); c31 = Avx512F.FusedMultiplyAdd(x, b1, c31);
            x = Vector512.Create(a[4]);
            c40 = Avx512F.FusedMultiplyAdd(x, b0, c40); c41 = Avx512F.FusedMultiplyAdd(x, b1, c41);
            x = Vector512.Create(a[5]);
            c50 = Avx512F.FusedMultiplyAdd(x, b0, c50); c51 = Avx512F.FusedMultiplyAdd(x, b1, c51);
            x = Vector512.Create(a[6]);
            c60 = Avx512F.FusedMultiplyAdd(x, b0, c60); c61 = Avx512F.FusedMultiplyAdd(x, b1, c61);
            x = Vector512.Create(a[7]);
            c70 = Avx512F.FusedMultiplyAdd(x, b0, c70); c71 = Avx512F.FusedMultiplyAdd(x, b1, c71);
            var column = Vector256.Load(a);
            x0 = Fma.MultiplyAdd(column, Vector256.Create(bx[0]), x0);
            x1 = Fma.MultiplyAdd(column, Vector256.Create(bx[1]), x1);
            a += aStep;
            b += bStep;
            bx += bxStep;
        }

        float* d = c;
        c00.Store(d); c01.Store(d + 16); d += ldc;
        c10.Store(d); c11.Store(d + 16); d += ldc;
        c20.Store(d); c21.Store(d + 16); d += ldc;
        c30.Store(d); c31.Store(d + 16); d += ldc;
        c40.Store(d); c41.Store(d + 16); d += ldc;
        c50.Store(d); c51.Store(d + 16); d += ldc;
        c60.Store(d); c61.Store(d + 16); d += ldc;
        c70.Store(d); c71.Store(d + 16);
        GemmColumns.StoreColumn(x0, c + GemmLayout.NR, ldc);
        if (rx > 1)
            GemmColumns.StoreColumn(x1, c + GemmLayout.NR + 1, ldc);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static void Tile8x32(int kc, float* a, long aStep, float* b, long bStep, float* c, long ldc, bool load)
    {
        Vector512<float> c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51, c60, c61, c70, c71;
        if (load)
        {
            float* r = c;
            c00 = Vector512.Load(r); c01 = Vector512.Load(r + 16); r += ldc;
            c10 = Vector512.Load(r); c11 = Vector512.Load(r + 16); r += ldc;
            c20 = Vector512.Load(r); c21 = Vector512.Load(r + 16); r += ldc;
            c30 = Vector512.Load(r); c31 = Vector512.Load(r + 16); r += ldc;
            c40 = Vector512.Load(r); c41 = Vector512.Load(r + 16); r += ldc;
            c50 = Vector512.Load(r); c51 = Vector512.Load(r + 16); r += ldc;
            c60 = Vector512.Load(r); c61 = Vector512.Load(r + 16); r += ldc;
            c70 = Vector512.Load(r); c71 = Vector512.Load(r + 16);
        }
        else
        {
            c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = Vector512<float>.Zero;
            c40 = c41 = c50 = c51 = c60 = c61 = c70 = c71 = Vector512<float>.Zero;
        }

        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + 16);
            var x = Vector512.Create(a[0]);
            c00 = Avx512F.FusedMultiplyAdd(x, b0, c00); c01 = Avx512F.FusedMultiplyAdd(x, b1, c01);
            x = Vector512.Create(a[1]);
            c10 = Avx512F.FusedMultiplyAdd(x, b0, c10); c11 = Avx512F.FusedMultiplyAdd(x, b1, c11);
            x = Vector512.Create(a[2]);
            c20 = Avx512F.FusedMultiplyAdd(x, b0, c20); c21 = Avx512F.FusedMultiplyAdd(x, b1, c21);
            x = Vector512.Create(a[3]);
            c30 = Avx512F.FusedMultiplyAdd(x, b0, c30); c31 = Avx512F.FusedMultiplyAdd(x, b1, c31);
            x = Vector512.Create(a[4]);
            c40 = Avx512F.FusedMultiplyAdd(x, b0, c40); c41 = Avx512F.FusedMultiplyAdd(x, b1, c41);
            x = Vector512.Create(a[5]);
            c50 = Avx512F.FusedMultiplyAdd(x, b0, c50); c51 = Avx512F.FusedMultiplyAdd(x, b1, c51);
            x = Vector512.Create(a[6]);
            c60 = Avx512F.FusedMultiplyAdd(x, b0, c60); c61 = Avx512F.FusedMultiplyAdd(x, b1, c61);
            x = Vector512.Create(a[7]);
            c70 = Avx512F.FusedMultiplyAdd(x, b0, c70); c71 = Avx512F.FusedMultiplyAdd(x, b1, c71);
            a += aStep;
            b += bStep;
        }

        float* d = c;
        c00.Store(d); c01.Store(d + 16); d += ldc;
        c10.Store(d); c11.Store(d + 16); d += ldc;
        c20.Store(d); c21.Store(d + 16); d += ldc;
        c30.Store(d); c31.Store(d + 16); d += ldc;
        c40.Store(d); c41.Store(d + 16); d += ldc;
        c50.Store(d); c51.Store(d + 16); d += ldc;
        c60.Store(d); c61.Store(d + 16); d += ldc;
        c70.Store(d); c71.Store(d + 16);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static void Tile8x16(int kc, float* a, long aStep, float* b, long bStep, float* c, long ldc, bool load)
    {
        Vector512<float> c0, c1, c2, c3, c4, c5, c6, c7;
        if (load)
        {
            c0 = Vector512.Load(c); c1 = Vector512.Load(c + ldc);
            c2 = Vector512.Load(c + 2 * ldc); c3 = Vector512.Load(c + 3 * ldc);
            c4 = Vector512.Load(c + 4 * ldc); c5 = Vector512.Load(c + 5 * ldc);
            c6 = Vector512.Load(c + 6 * ldc); c7 = Vector512.Load(c + 7 * ldc);
        }
        else
        {
            c0 = c1 = c2 = c3 = c4 = c5 = c6 = c7 = Vector512<float>.Zero;
        }

        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector512.Load(b);
            c0 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[0]), b0, c0);
            c1 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[1]), b0, c1);
            c2 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[2]), b0, c2);
            c3 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[3]), b0, c3);
            c4 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[4]), b0, c4);
            c5 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[5]), b0, c5);
            c6 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[6]), b0, c6);
            c7 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[7]), b0, c7);
            a += aStep;
            b += bStep;
        }

        c0.Store(c); c1.Store(c + ldc);
        c2.Store(c + 2 * ldc); c3.Store(c + 3 * ldc);
        c4.Store(c + 4 * ldc); c5.Store(c + 5 * ldc);
        c6.Store(c + 6 * ldc); c7.Store(c + 7 * ldc);
    }
}
