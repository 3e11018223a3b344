namespace RnnCluster.Core.Kernels;

/// <summary>
/// The time spent in GEMMs of one shape while <see cref="GemmProfile"/> was on. Packed: B was
/// pre-packed (<see cref="PackedB"/>, whose N and K are fixed).
/// </summary>
public sealed record GemmShapeTime(int M, int N, int K, bool TransA, bool TransB, bool Packed, long Calls, double Seconds)
{
    /// <summary>Floating-point operations of all the calls: 2·M·N·K each.</summary>
    public double Flops => 2.0 * M * N * K * Calls;

    public string Shape => $"{(Packed ? "packed " : "")}{M}x{N}x{K}{(TransA ? " transA" : "")}{(TransB ? " transB" : "")}";
}
