using System.Diagnostics;
using System.Runtime.InteropServices;

namespace RnnCluster.Benchmarks;

/// <summary>CPU time consumed by the calling thread (Linux clock_gettime(CLOCK_THREAD_CPUTIME_ID)); elsewhere process CPU time.</summary>
internal static partial class CpuTime
{
    private const int ClockThreadCpuTimeId = 3;

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out TimeSpec time);

    public static double ThreadSeconds()
    {
        if (OperatingSystem.IsLinux() && ClockGetTime(ClockThreadCpuTimeId, out TimeSpec t) == 0)
            return t.Seconds + t.Nanoseconds * 1e-9;
        return Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;
    }
}
