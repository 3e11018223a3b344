using System.Runtime.CompilerServices;
using RnnCluster.Core.Memory;

namespace RnnCluster.Core.Kernels;

/// <summary>
/// The B operand of <see cref="Gemm"/> packed once and reused across many products (the
/// recurrent weights do not change within an optimizer step, so they are packed once per step).
/// Layout: the B panels of <see cref="GemmLayout"/> over the full depth K (panel q at q·32·K,
/// [k][w] inside), the same for every <see cref="GemmPath"/>, so the transposed source layout costs
/// nothing per product. Products give exactly the bytes of <see cref="Gemm.Multiply"/>.
/// Several threads may call <see cref="Multiply"/> concurrently; <see cref="Pack"/> must not race them.
/// </summary>
public sealed unsafe class PackedB : IDisposable
{
    private readonly AlignedBuffer _data;
    private bool _packed;

    public PackedB(int k, int n)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        K = k;
        N = n;
        _data = new AlignedBuffer(checked((int)GemmLayout.PackedBLength(k, n)));
    }

    public int K { get; }

    public int N { get; }

    /// <summary>Copies op(B) (K,N) in: transB=false reads B (K,N) with row stride ldb; true reads B stored (N,K).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Pack(float* b, int ldb, bool transB)
    {
        int minLdb = transB ? K : N;
        if (ldb < Math.Max(1, minLdb))
            throw new ArgumentOutOfRangeException(nameof(ldb), $"ldb {ldb} is smaller than {minLdb}.");
        float* dst = _data.Pointer;
        if (K > 0 && N > 0)
            GemmPacking.PackB(b, ldb, transB, 0, K, 0, N, dst, (long)GemmLayout.NR * K);
        _packed = true;
    }

    /// <summary>C(M,N) = [C +] op(A)(M,K) · B, with the summation contract of <see cref="Gemm"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Multiply(int m, float* a, int lda, bool transA, float* c, int ldc, bool accumulate)
    {
        Gemm.Validate(m, N, K, lda, transA ? m : K, Math.Max(N, 1), N, ldc);
        if (!_packed)
            throw new InvalidOperationException("PackedB.Pack must be called before Multiply.");
        float* packed = _data.Pointer;
        if (Gemm.EmptyProduct(m, N, K, c, ldc, accumulate))
            return;
        long started = GemmProfile.Start();
        switch (Gemm.CurrentPath)
        {
            case GemmPath.Vector512:
                GemmDriver.MultiplyPacked<GemmKernel512>(m, N, K, a, lda, transA, packed, c, ldc, accumulate);
                break;
            case GemmPath.Vector256:
                GemmDriver.MultiplyPacked<GemmKernel256>(m, N, K, a, lda, transA, packed, c, ldc, accumulate);
                break;
            default:
                GemmDriver.MultiplyPacked<GemmKernelScalar>(m, N, K, a, lda, transA, packed, c, ldc, accumulate);
                break;
        }
        GemmProfile.Record(started, m, N, K, transA, transB: false, packed: true);
    }

    public void Dispose() => _data.Dispose();
}
