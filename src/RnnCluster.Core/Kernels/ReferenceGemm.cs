using System.Runtime.CompilerServices;
namespace RnnCluster.Core.Kernels;

/// <summary>
/// The scalar statement of the summation contract of <see cref="Gemm"/>: the fast kernels must
/// produce exactly these bytes. Loops i, k, j so each C[i,j] sees k in ascending order.
/// </summary>
public static unsafe class ReferenceGemm
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
