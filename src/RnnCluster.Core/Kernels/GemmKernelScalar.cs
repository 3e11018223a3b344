using System.Runtime.CompilerServices;

namespace RnnCluster.Core.Kernels;

/// <summary>
/// Portable microkernel: the contract written out literally,
///   c = load ? C[r,j] : +0.0f;  for p = 0..kc-1: c = MathF.FusedMultiplyAdd(a[p·aStep + r], b[p·bStep + j], c)
/// Slow; it is the fallback for CPUs without AVX2/FMA and the witness that the vector paths agree.
/// </summary>
internal readonly unsafe struct GemmKernelScalar : IGemmMicroKernel
{
    public static int KC => GemmLayout.KC;

    public static int MC => GemmLayout.MC;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Tile(int kc, float* a, long aStep, float* b, long bStep, int w, float* c, long ldc, bool load)
    {
        for (int r = 0; r < GemmLayout.MR; r++)
        {
            float* cr = c + r * ldc;
            for (int j = 0; j < w; j++)
            {
                float s = load ? cr[j] : 0f;
                float* ap = a + r;
                float* bp = b + j;
                for (int p = 0; p < kc; p++, ap += aStep, bp += bStep)
                    s = MathF.FusedMultiplyAdd(*ap, *bp, s);
                cr[j] = s;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void TileWithColumns(int kc, float* a, long aStep, float* b, long bStep, float* bx, long bxStep, int rx, float* c, long ldc, bool load)
    {
        Tile(kc, a, aStep, b, bStep, GemmLayout.NR, c, ldc, load);
        for (int r = 0; r < GemmLayout.MR; r++)
        {
            for (int t = 0; t < rx; t++)
            {
                float* cr = c + r * ldc + GemmLayout.NR + t;
                float s = load ? *cr : 0f;
                for (int p = 0; p < kc; p++)
                    s = MathF.FusedMultiplyAdd(a[p * aStep + r], bx[p * bxStep + t], s);
                *cr = s;
            }
        }
    }
}
