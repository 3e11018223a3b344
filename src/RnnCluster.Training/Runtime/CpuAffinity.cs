using System.Numerics;
using System.Runtime.InteropServices;

namespace RnnCluster.Training.Runtime;

/// <summary>
/// Binds the calling OS thread to one of the CPUs its process may use (Linux; elsewhere a no-op).
/// The process's own restriction (e.g. `taskset -c 2,3 rnncluster train …`) is respected: slot n
/// is the n-th allowed CPU, modulo their count.
/// </summary>
internal static partial class CpuAffinity
{
    [LibraryImport("libc", EntryPoint = "sched_getaffinity", SetLastError = true)]
    private static partial int SchedGetAffinity(int pid, nint cpuSetSize, ref ulong mask);

    [LibraryImport("libc", EntryPoint = "sched_setaffinity", SetLastError = true)]
    private static partial int SchedSetAffinity(int pid, nint cpuSetSize, ref ulong mask);

    /// <returns>The CPU the thread is now bound to, or -1 when it was left alone.</returns>
    public static int PinCurrentThread(int slot)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(slot);
        ulong allowed = 0;
        // The first 64 CPUs are enough for the machines this runs on; beyond that, leave it to the OS.
        if (!OperatingSystem.IsLinux() || SchedGetAffinity(0, sizeof(ulong), ref allowed) != 0 || allowed == 0)
            return -1;
        int n = slot % BitOperations.PopCount(allowed);
        ulong remaining = allowed;
        for (int i = 0; i < n; i++)
            remaining &= remaining - 1; // drop the lowest allowed CPU
        int cpu = BitOperations.TrailingZeroCount(remaining);
        ulong mask = 1UL << cpu;
        return SchedSetAffinity(0, sizeof(ulong), ref mask) == 0 ? cpu : -1;
    }
}
