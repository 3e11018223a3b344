using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using RnnCluster.Core.Kernels;
using Xunit.Abstractions;

namespace RnnCluster.Core.Tests.Kernels;

/// <summary>
/// Names the path every kernel family takes on this host (CI runs this tier natively and again
/// with DOTNET_EnableAVX512=0): no family runs 16 lanes emulated on a host without Vector512.
/// </summary>
public sealed class KernelPathTests(ITestOutputHelper output)
{
    [Fact]
    public void Every_kernel_runs_at_the_hosts_native_width()
    {
        string expected = Vector512.IsHardwareAccelerated ? "avx512" : Vector256.IsHardwareAccelerated ? "avx2" : "scalar";
        output.WriteLine($"cpu: {KernelPaths.CpuModel()}; Avx512F={Avx512F.IsSupported} Avx2={Avx2.IsSupported} Fma={Fma.IsSupported}");
        foreach (var (kernel, path) in KernelPaths.ByKernel())
        {
            output.WriteLine($"{kernel}: {path}");
            string want = kernel == "gemm" && expected == "avx2" && !Fma.IsSupported ? "scalar" : expected;
            Assert.True(want == path, $"{kernel} runs {path} on a host whose native path is {want}");
        }
        Assert.Equal(expected, KernelPaths.Host);
    }

    [Fact]
    public void The_cpu_model_is_named()
    {
        Assert.False(string.IsNullOrWhiteSpace(KernelPaths.CpuModel()));
    }
}
