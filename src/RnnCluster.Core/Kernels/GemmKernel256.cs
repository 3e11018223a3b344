using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace RnnCluster.Core.Kernels;

/// <summary>
/// AVX2+FMA microkernel for machines without AVX-512. An AVX2 CPU has 16 ymm registers, and
/// keeping both FMA ports busy takes 2 × latency independent chains: 8 on a 4-cycle FMA, 10 on
/// Zen 2's 5 cycles. A full 8×32 tile is therefore computed as two 6×16 sub-tiles (12 accumulators
/// + 2 B vectors + 1 broadcast = 15 registers) and one 2×32 (8 accumulators + 4 B + 1 = 13) for its
/// last two rows; a narrow 8×16 tile as two 4×16 (8 accumulators). Every output element is still
/// one chain in one accumulator, so the bytes are those of every other path. It reads the same
/// panels as the Vector512 kernel.
/// </summary>
internal readonly unsafe struct GemmKernel256 : IGemmMicroKernel
{
    public static bool IsSupported => Fma.IsSupported && Avx2.IsSupported;

    public static int KC => GemmLayout.KC;

    public static int MC => GemmLayout.MC;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Tile(int kc, float* a, long aStep, float* b, long bStep, int w, float* c, long ldc, bool load)
    {
        if (w == GemmLayout.NR)
        {
            Tile6x16(kc, a, aStep, b, bStep, c, ldc, load);
            Tile6x16(kc, a, aStep, b + 16, bStep, c + 16, ldc, load);
            Tile2x32(kc, a + 6, aStep, b, bStep, c + 6 * ldc, ldc, load);
            return;
        }
        for (int r = 0; r < GemmLayout.MR; r += 4)
            for (int j = 0; j < w; j += 16)
                Tile4x16(kc, a + r, aStep, b + j, bStep, c + r * ldc + j, ldc, load);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static void Tile6x16(int kc, float* a, long aStep, float* b, long bStep, float* c, long ldc, bool load)
    {
        Vector256<float> c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51;
        if (load)
        {
            c00 = Vector256.Load(c); c01 = Vector256.Load(c + 8);
            c10 = Vector256.Load(c + ldc); c11 = Vector256.Load(c + ldc + 8);
            c20 = Vector256.Load(c + 2 * ldc); c21 = Vector256.Load(c + 2 * ldc + 8);
            c30 = Vector256.Load(c + 3 * ldc); c31 = Vector256.Load(c + 3 * ldc + 8);
            c40 = Vector256.Load(c + 4 * ldc); c41 = Vector256.Load(c + 4 * ldc + 8);
            c50 = Vector256.Load(c + 5 * ldc); c51 = Vector256.Load(c + 5 * ldc + 8);
        }
        else
        {
            c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = c40 = c41 = c50 = c51 = Vector256<float>.Zero;
        }

        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector256.Load(b);
            var b1 = Vector256.Load(b + 8);
            var x = Vector256.Create(a[0]);
            c00 = Fma.MultiplyAdd(x, b0, c00); c01 = Fma.MultiplyAdd(x, b1, c01);
            x = Vector256.Create(a[1]);
            c10 = Fma.MultiplyAdd(x, b0, c10); c11 = Fma.MultiplyAdd(x, b1, c11);
            x = Vector256.Create(a[2]);
            c20 = Fma.MultiplyAdd(x, b0, c20); c21 = Fma.MultiplyAdd(x, b1, c21);
            x = Vector256.Create(a[3]);
            c30 = Fma.MultiplyAdd(x, b0, c30); c31 = Fma.MultiplyAdd(x, b1, c31);
            x = Vector256.Create(a[4]);
            c40 = Fma.MultiplyAdd(x, b0, c40); c41 = Fma.MultiplyAdd(x, b1, c41);
            x = Vector256.Create(a[5]);
            c50 = Fma.MultiplyAdd(x, b0, c50); c51 = Fma.MultiplyAdd(x, b1, c51);
            a += aStep;
            b += bStep;
        }

        c00.Store(c); c01.Store(c + 8);
        c10.Store(c + ldc); c11.Store(c + ldc + 8);
        c20.Store(c + 2 * ldc); c21.Store(c + 2 * ldc + 8);
        c30.Store(c + 3 * ldc); c31.Store(c + 3 * ldc + 8);
        c40.Store(c + 4 * ldc); c41.Store(c + 4 * ldc + 8);
        c50.Store(c + 5 * ldc); c51.Store(c + 5 * ldc + 8);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static void Tile2x32(int kc, float* a, long aStep, float* b, long bStep, float* c, long ldc, bool load)
    {
        Vector256<float> c00, c01, c02, c03, c10, c11, c12, c13;
        if (load)
        {
            c00 = Vector256.Load(c); c01 = Vector256.Load(c + 8); c02 = Vector256.Load(c + 16); c03 = Vector256.Load(c + 24);
            c10 = Vector256.Load(c + ldc); c11 = Vector256.Load(c + ldc + 8); c12 = Vector256.Load(c + ldc + 16); c13 = Vector256.Load(c + ldc + 24);
        }
        else
        {
            c00 = c01 = c02 = c03 = c10 = c11 = c12 = c13 = Vector256<float>.Zero;
        }

        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector256.Load(b);
            var b1 = Vector256.Load(b + 8);
            var b2 = Vector256.Load(b + 16);
            var b3 = Vector256.Load(b + 24);
            var x = Vector256.Create(a[0]);
            c00 = Fma.MultiplyAdd(x, b0, c00); c01 = Fma.MultiplyAdd(x, b1, c01);
            c02 = Fma.MultiplyAdd(x, b2, c02); c03 = Fma.MultiplyAdd(x, b3, c03);
            x = Vector256.Create(a[1]);
            c10 = Fma.MultiplyAdd(x, b0, c10); c11 = Fma.MultiplyAdd(x, b1, c11);
            c12 = Fma.MultiplyAdd(x, b2, c12); c13 = Fma.MultiplyAdd(x, b3, c13);
            a += aStep;
            b += bStep;
        }

        c00.Store(c); c01.Store(c + 8); c02.Store(c + 16); c03.Store(c + 24);
        c10.Store(c + ldc); c11.Store(c + ldc + 8); c12.Store(c + ldc + 16); c13.Store(c + ldc + 24);
    }

    /// <summary>The 32-wide tile, then the extra columns in a separate pass vectorised across the 8 rows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    public static void TileWithColumns(int kc, float* a, long aStep, float* b, long bStep, float* bx, long bxStep, int rx, float* c, long ldc, bool load)
    {
        Tile(kc, a, aStep, b, bStep, GemmLayout.NR, c, ldc, load);
        GemmColumns.Compute(kc, a, aStep, bx, bxStep, rx, c + GemmLayout.NR, ldc, load);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static void Tile4x16(int kc, float* a, long aStep, float* b, long bStep, float* c, long ldc, bool load)
    {
        Vector256<float> c00, c01, c10, c11, c20, c21, c30, c31;
        if (load)
        {
            c00 = Vector256.Load(c); c01 = Vector256.Load(c + 8);
            c10 = Vector256.Load(c + ldc); c11 = Vector256.Load(c + ldc + 8);
            c20 = Vector256.Load(c + 2 * ldc); c21 = Vector256.Load(c + 2 * ldc + 8);
            c30 = Vector256.Load(c + 3 * ldc); c31 = Vector256.Load(c + 3 * ldc + 8);
        }
        else
        {
            c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = Vector256<float>.Zero;
        }

        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector256.Load(b);
            var b1 = Vector256.Load(b + 8);
            var x = Vector256.Create(a[0]);
            c00 = Fma.MultiplyAdd(x, b0, c00); c01 = Fma.MultiplyAdd(x, b1, c01);
            x = Vector256.Create(a[1]);
            c10 = Fma.MultiplyAdd(x, b0, c10); c11 = Fma.MultiplyAdd(x, b1, c11);
            x = Vector256.Create(a[2]);
            c20 = Fma.MultiplyAdd(x, b0, c20); c21 = Fma.MultiplyAdd(x, b1, c21);
            x = Vector256.Create(a[3]);
            c30 = Fma.MultiplyAdd(x, b0, c30); c31 = Fma.MultiplyAdd(x, b1, c31);
            a += aStep;
            b += bStep;
        }

        c00.Store(c); c01.Store(c + 8);
        c10.Store(c + ldc); c11.Store(c + ldc + 8);
        c20.Store(c + 2 * ldc); c21.Store(c + 2 * ldc + 8);
        c30.Store(c + 3 * ldc); c31.Store(c + 3 * ldc + 8);
    }
}
