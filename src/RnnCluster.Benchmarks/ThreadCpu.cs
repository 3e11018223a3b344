using System.Globalization;

namespace RnnCluster.Benchmarks;

/// <summary>
/// Per-thread CPU time of this process from /proc/self/task (Linux): which threads besides the
/// compute thread used the machine's two CPUs during a run. Empty elsewhere.
/// </summary>
internal static class ThreadCpu
{
    public readonly record struct Sample(string Name, double Seconds, int LastCpu);

    public static Dictionary<int, Sample> Snapshot()
    {
        var result = new Dictionary<int, Sample>();
        if (!OperatingSystem.IsLinux())
            return result;
        foreach (var dir in Directory.EnumerateDirectories("/proc/self/task"))
        {
            try
            {
                string stat = File.ReadAllText(Path.Combine(dir, "stat"));
                int open = stat.IndexOf('('), close = stat.LastIndexOf(')');
                string name = stat[(open + 1)..close];
                // Fields after the name start at field 3 (state); utime is 14, stime 15, processor 39.
                var fields = stat[(close + 2)..].Split(' ');
                double ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
                int cpu = int.Parse(fields[36], CultureInfo.InvariantCulture);
                result[int.Parse(Path.GetFileName(dir), CultureInfo.InvariantCulture)] = new Sample(name, ticks / 100.0, cpu);
            }
            catch (Exception e) when (e is IOException or FormatException or IndexOutOfRangeException or UnauthorizedAccessException)
            {
                // The thread ended between listing and reading.
            }
        }
        return result;
    }

    /// <summary>"name 1.23 s (cpu 0), …" for the threads that used the most CPU between two snapshots.</summary>
    public static string Busiest(Dictionary<int, Sample> before, Dictionary<int, Sample> after, int top = 6) =>
        string.Join(", ", after
            .Select(kv => (kv.Value.Name, Seconds: kv.Value.Seconds - (before.TryGetValue(kv.Key, out var b) ? b.Seconds : 0), kv.Value.LastCpu))
            .Where(t => t.Seconds > 0)
            .OrderByDescending(t => t.Seconds)
            .Take(top)
            .Select(t => FormattableString.Invariant($"{t.Name} {t.Seconds:F2} s (cpu {t.LastCpu})")));
}
