namespace RnnCluster.Benchmarks;

internal static class Stats
{
    /// <summary>The upper median: benchmarks report it because a few slow samples (GC, other tenants) do not move it.</summary>
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }
}
