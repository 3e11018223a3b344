using System.Runtime.CompilerServices;

namespace RnnCluster.Core.Kernels;

/// <summary>
/// Single-threaded matrix products, C(M,N) = [C +] op(A)(M,K) · op(B)(K,N), row-major.
///
/// Summation contract (what makes results bitwise reproducible on every machine and every
/// SIMD width): every output element is ONE fused-multiply-add chain over k in ascending order,
///   c = C₀ (or 0);  for k = 0..K-1: c = fma(op(A)[i,k], op(B)[k,j], c)
/// Vectorisation runs across j (independent outputs), never across k, so register tiles,
/// cache blocks and vector widths change speed only, never a single bit.
/// </summary>
public static unsafe class Gemm
{
    /// <param name="transA">false: A is (M,K) with row stride lda. true: A is stored (K,M) with row stride lda.</param>
    /// <param name="transB">false: B is (K,N) with row stride ldb. true: B is stored (N,K) with row stride ldb.</param>
    /// <param name="accumulate">true: add to the existing C; false: overwrite C.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Multiply(
        int m, int n, int k,
        float* a, int lda, bool transA,
        float* b, int ldb, bool transB,
        float* c, int ldc, bool accumulate)
    {
        Validate(m, n, k, lda, transA ? m : k, ldb, transB ? k : n, ldc);
        ReferenceGemm.Multiply(m, n, k, a, lda, transA, b, ldb, transB, c, ldc, accumulate);
    }

    internal static void Validate(int m, int n, int k, int lda, int minLda, int ldb, int minLdb, int ldc)
    {
        if (m < 0 || n < 0 || k < 0)
            throw new ArgumentOutOfRangeException(nameof(m), $"Negative GEMM shape ({m}, {n}, {k}).");
        if (lda < Math.Max(1, minLda))
            throw new ArgumentOutOfRangeException(nameof(lda), $"lda {lda} is smaller than {minLda}.");
        if (ldb < Math.Max(1, minLdb))
            throw new ArgumentOutOfRangeException(nameof(ldb), $"ldb {ldb} is smaller than {minLdb}.");
        if (ldc < Math.Max(1, n))
            throw new ArgumentOutOfRangeException(nameof(ldc), $"ldc {ldc} is smaller than {n}.");
    }
}

/// <summary>
/// The scalar statement of the summation contract of <see cref="Gemm"/>: the fast kernels must
/// produce exactly these bytes. Loops i, k, j so each C[i,j] sees k in ascending order.
/// </summary>
public static unsafe class ReferenceGemm
{
    public static void Multiply(
        int m, int n, int k,
        float* a, int lda, bool transA,
        float* b, int ldb, bool transB,
        float* c, int ldc, bool accumulate)
    {
        for (int i = 0; i < m; i++)
        {
            float* ci = c + (long)i * ldc;
            if (!accumulate)
                new Span<float>(ci, n).Clear();
            for (int p = 0; p < k; p++)
            {
                float aip = transA ? a[(long)p * lda + i] : a[(long)i * lda + p];
                if (transB)
                {
                    for (int j = 0; j < n; j++)
                        ci[j] = MathF.FusedMultiplyAdd(aip, b[(long)j * ldb + p], ci[j]);
                }
                else
                {
                    float* bp = b + (long)p * ldb;
                    for (int j = 0; j < n; j++)
                        ci[j] = MathF.FusedMultiplyAdd(aip, bp[j], ci[j]);
                }
            }
        }
    }
}
