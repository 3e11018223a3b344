namespace RnnCluster.Core.Kernels;

/// <summary>
/// The B operand of <see cref="Gemm"/> packed once and reused across many products (the
/// recurrent weights do not change within an optimizer step, so they are packed once per step).
/// Placeholder layout: plain row-major (K,N) copy.
/// </summary>
public sealed unsafe class PackedB : IDisposable
{
    private readonly Memory.AlignedBuffer _data;

    public PackedB(int k, int n)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        K = k;
        N = n;
        _data = new Memory.AlignedBuffer(checked(k * n));
    }

    public int K { get; }

    public int N { get; }

    /// <summary>Copies op(B) (K,N) in: transB=false reads B (K,N) with row stride ldb; true reads B stored (N,K).</summary>
    public void Pack(float* b, int ldb, bool transB)
    {
        float* dst = _data.Pointer;
        for (int p = 0; p < K; p++)
            for (int j = 0; j < N; j++)
                dst[(long)p * N + j] = transB ? b[(long)j * ldb + p] : b[(long)p * ldb + j];
    }

    /// <summary>C(M,N) = [C +] op(A)(M,K) · B, with the summation contract of <see cref="Gemm"/>.</summary>
    public void Multiply(int m, float* a, int lda, bool transA, float* c, int ldc, bool accumulate)
    {
        Gemm.Validate(m, N, K, lda, transA ? m : K, Math.Max(N, 1), N, ldc);
        ReferenceGemm.Multiply(m, N, K, a, lda, transA, _data.Pointer, Math.Max(N, 1), false, c, ldc, accumulate);
    }

    public void Dispose() => _data.Dispose();
}
