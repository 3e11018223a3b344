using System.Runtime.CompilerServices;

namespace RnnCluster.Core.Kernels;

/// <summary>
/// Single-threaded matrix products, C(M,N) = [C +] op(A)(M,K) · op(B)(K,N), row-major.
///
/// Summation contract (what makes results bitwise reproducible on every machine and every
/// SIMD width): every output element is ONE fused-multiply-add chain over k in ascending order,
///   c = C₀ (or +0.0f);  for k = 0..K-1: c = fma(op(A)[i,k], op(B)[k,j], c)
/// Vectorisation runs across j (independent outputs; for a 1–2 column remainder across i, also
/// independent outputs), never across k, so register tiles, cache blocks and vector widths change
/// speed only, never a single bit. See <see cref="ReferenceGemm"/> for the literal statement,
/// <see cref="GemmDriver"/> for the blocking, <see cref="GemmLayout"/> for the packed layouts.
///
/// Thread safety: any number of threads may call concurrently (packing buffers are per thread).
/// </summary>
public static unsafe class Gemm
{
    private static readonly GemmPath s_bestPath =
        GemmKernel512.IsSupported ? GemmPath.Vector512
        : GemmKernel256.IsSupported ? GemmPath.Vector256
        : GemmPath.Scalar;

    /// <summary>
    /// Test and benchmark switch: forces a microkernel family on the calling thread (Auto = best
    /// supported). Results are identical on every path; forcing one the CPU lacks throws
    /// <see cref="PlatformNotSupportedException"/> at the next product.
    /// </summary>
    [ThreadStatic]
    internal static GemmPath ForcedPath;

    /// <summary>The fastest path of this CPU (what <see cref="GemmPath.Auto"/> resolves to).</summary>
    internal static GemmPath BestPath => s_bestPath;

    /// <summary>Whether this CPU can run <paramref name="path"/>.</summary>
    internal static bool IsSupported(GemmPath path) => path switch
    {
        GemmPath.Auto or GemmPath.Scalar => true,
        GemmPath.Vector512 => GemmKernel512.IsSupported,
        GemmPath.Vector256 => GemmKernel256.IsSupported,
        _ => false,
    };

    /// <summary>The path the calling thread's next product runs on.</summary>
    internal static GemmPath CurrentPath
    {
        get
        {
            GemmPath path = ForcedPath;
            if (path == GemmPath.Auto)
                return s_bestPath;
            if (!IsSupported(path))
                throw new PlatformNotSupportedException($"GEMM path {path} is not supported by this CPU.");
            return path;
        }
    }

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
        if (EmptyProduct(m, n, k, c, ldc, accumulate))
            return;
        long started = GemmProfile.Start();
        switch (CurrentPath)
        {
            case GemmPath.Vector512:
                GemmDriver.Multiply<GemmKernel512>(m, n, k, a, lda, transA, b, ldb, transB, c, ldc, accumulate);
                break;
            case GemmPath.Vector256:
                GemmDriver.Multiply<GemmKernel256>(m, n, k, a, lda, transA, b, ldb, transB, c, ldc, accumulate);
                break;
            default:
                GemmDriver.Multiply<GemmKernelScalar>(m, n, k, a, lda, transA, b, ldb, transB, c, ldc, accumulate);
                break;
        }
        GemmProfile.Record(started, m, n, k, transA, transB, packed: false);
    }

    /// <summary>Handles M = 0, N = 0 (nothing to do) and K = 0 (C = C, or C = +0). True when done.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static bool EmptyProduct(int m, int n, int k, float* c, long ldc, bool accumulate)
    {
        if (m == 0 || n == 0)
            return true;
        if (k != 0)
            return false;
        if (!accumulate)
            for (int i = 0; i < m; i++)
                new Span<float>(c + i * ldc, n).Clear();
        return true;
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
