using System.Collections.Concurrent;
using System.Diagnostics;

namespace RnnCluster.Core.Kernels;

/// <summary>
/// Where a training step's GEMM time goes, by shape (`lstm --gemm-profile`). Off by default: then
/// each GEMM pays a static load and two branches. It exists because sampling profilers see no guest
/// user time on the KVM hosts we benchmark on, and the LSTM step is almost all GEMM.
/// </summary>
public static class GemmProfile
{
    private static readonly ConcurrentDictionary<(int M, int N, int K, bool TransA, bool TransB, bool Packed), Totals> ByShape = new();

    public static bool Enabled { get; set; }

    /// <summary>A timestamp to pass to <see cref="Record"/>, or 0 when off.</summary>
    internal static long Start() => Enabled ? Stopwatch.GetTimestamp() : 0;

    internal static void Record(long started, int m, int n, int k, bool transA, bool transB, bool packed)
    {
        if (started == 0)
            return;
        long elapsed = Stopwatch.GetTimestamp() - started;
        var totals = ByShape.GetOrAdd((m, n, k, transA, transB, packed), _ => new Totals());
        Interlocked.Increment(ref totals.Calls);
        Interlocked.Add(ref totals.Ticks, elapsed);
    }

    /// <summary>Forgets what was recorded (e.g. the warm-up steps).</summary>
    public static void Reset() => ByShape.Clear();

    /// <summary>Every shape recorded since the last <see cref="Reset"/>, the most time first.</summary>
    public static IReadOnlyList<GemmShapeTime> Snapshot() =>
        ByShape.Select(e => new GemmShapeTime(e.Key.M, e.Key.N, e.Key.K, e.Key.TransA, e.Key.TransB, e.Key.Packed,
                Interlocked.Read(ref e.Value.Calls), (double)Interlocked.Read(ref e.Value.Ticks) / Stopwatch.Frequency))
            .OrderByDescending(s => s.Seconds)
            .ToList();

    private sealed class Totals
    {
        public long Calls;
        public long Ticks;
    }
}
