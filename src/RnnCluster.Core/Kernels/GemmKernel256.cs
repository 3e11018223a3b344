using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace RnnCluster.Core.Kernels;

/// <summary>
/// AVX2+FMA microkernel for machines without AVX-512. An AVX2 CPU has 16 ymm registers, so the
/// 8×w tile is computed as 4×16 sub-tiles: 8 accumulators + 2 B vectors + 1 broadcast = 11 registers
/// (8 chains cover 2 FMA ports × 4-cycle latency). It reads the same panels as the Vector512
/// kernel.
/// </summary>
internal readonly unsafe struct GemmKernel256 : IGemmMicroKernel
{
    public static bool IsSupported => Fma.IsSupported && Avx2.IsSupported;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Tile(int kc, float* a, long aStep, float* b, long bStep, int w, float* c, long ldc, bool load)
    {
        for (int r = 0; r < GemmLayout.MR; r += 4)
            for (int j = 0; j < w; j += 16)
                Tile4x16(kc, a + r, aStep, b + j, bStep, c + r * ldc + j, ldc, load);
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
