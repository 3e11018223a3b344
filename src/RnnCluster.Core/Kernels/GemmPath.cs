namespace RnnCluster.Core.Kernels;

/// <summary>
/// Which microkernel family runs a <see cref="Gemm"/> product. Every path produces the same bytes
/// (one ascending-k FMA chain per output element); they differ in speed only. Tests force each path
/// to prove that a cluster mixing AVX-512, AVX2 and other machines stays bitwise identical.
/// </summary>
internal enum GemmPath
{
    /// <summary>The fastest path this CPU supports: Vector512, else Vector256, else Scalar.</summary>
    Auto = 0,

    /// <summary>AVX-512F register tiles of 8×32 floats (16 zmm accumulators).</summary>
    Vector512,

    /// <summary>AVX2+FMA register tiles of 6×16 floats (12 ymm accumulators) with 2×32 and 4×16 edges; fits 16 registers.</summary>
    Vector256,

    /// <summary>Plain <see cref="MathF.FusedMultiplyAdd(float, float, float)"/> loops.</summary>
    Scalar,
}
