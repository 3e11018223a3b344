using System.Runtime.Intrinsics;

namespace RnnCluster.Core.Kernels;

/// <summary>
/// Which instruction path each kernel family takes on this host: "avx512", "avx2" or "scalar".
/// The bytes are the same on every path (docs/determinism.md); the speed is not, so benchmarks
/// print the path next to their figures. <c>DOTNET_EnableAVX512=0</c> forces the AVX2 path on an
/// AVX-512 host, <c>DOTNET_EnableHWIntrinsic=0</c> the scalar one.
/// </summary>
public static class KernelPaths
{
    /// <summary>The host's path: what the element-wise kernels run (16 lanes on avx512, 8 on avx2).</summary>
    public static string Host =>
        Vector512.IsHardwareAccelerated ? "avx512"
        : Vector256.IsHardwareAccelerated ? "avx2"
        : "scalar";

    /// <summary>Each kernel family with its path on this host.</summary>
    public static IReadOnlyList<(string Kernel, string Path)> ByKernel() =>
    [
        ("gemm", Gemm.BestPath switch { GemmPath.Vector512 => "avx512", GemmPath.Vector256 => "avx2", _ => "scalar" }),
        ("lstm, gru and rnn cells", Host),
        ("softmax and cross-entropy", Host),
        ("reductions", Host),
        ("optimizers", Host),
    ];

    /// <summary>The CPU's model name (Linux: /proc/cpuinfo), or the architecture where it cannot be read.</summary>
    public static string CpuModel()
    {
        try
        {
            var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            if (line is not null && line.IndexOf(':') is var colon and >= 0)
                return line[(colon + 1)..].Trim();
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture.ToString();
    }
}
