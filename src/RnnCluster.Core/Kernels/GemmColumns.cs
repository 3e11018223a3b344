using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace RnnCluster.Core.Kernels;

/// <summary>
/// One or two columns of C for the 8 rows of an A panel, vectorised across the rows: lane r of x_t
/// is the chain of C[r, t], c = fma(A[r,k], B[k,t], c) for ascending k, exactly as everywhere else.
/// Used for a 1–2 column remainder (N mod 32), where a 16-wide tile would waste 15 of 16 lanes.
/// </summary>
internal static unsafe class GemmColumns
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Compute(int kc, float* a, long aStep, float* bx, long bxStep, int rx, float* c, long ldc, bool load)
    {
        Vector256<float> x0 = Vector256<float>.Zero, x1 = Vector256<float>.Zero;
        if (load)
        {
            x0 = LoadColumn(c, ldc);
            if (rx > 1)
                x1 = LoadColumn(c + 1, ldc);
        }
        for (int p = 0; p < kc; p++)
        {
            var column = Vector256.Load(a);
            x0 = Fma.MultiplyAdd(column, Vector256.Create(bx[0]), x0);
            x1 = Fma.MultiplyAdd(column, Vector256.Create(bx[1]), x1);
            a += aStep;
            bx += bxStep;
        }
        StoreColumn(x0, c, ldc);
        if (rx > 1)
            StoreColumn(x1, c + 1, ldc);
    }

    /// <summary>(C[0,0], C[1,0], …, C[7,0]) with row stride ldc.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> LoadColumn(float* c, long ldc) =>
        Vector256.Create(c[0], c[ldc], c[2 * ldc], c[3 * ldc], c[4 * ldc], c[5 * ldc], c[6 * ldc], c[7 * ldc]);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreColumn(Vector256<float> x, float* c, long ldc)
    {
        for (int r = 0; r < GemmLayout.MR; r++)
            c[r * ldc] = x.GetElement(r);
    }
}
