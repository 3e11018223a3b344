namespace RnnCluster.Training.Coordinator;

/// <summary>
/// How a synchronous step's M micro-batches are cut into contiguous shares over the live workers
/// (in id order). Evenly while any worker's speed is unknown; otherwise in proportion to each
/// worker's measured speed, so that a straggler gets fewer micro-batches and every share ends at
/// about the same time — but at least one while there are as many micro-batches as workers, so a
/// worker slow once is measured again rather than left out for good. Any cut gives the same bytes:
/// the server sums micro-batches in a fixed tree.
/// </summary>
public static class ShareSplit
{
    /// <summary>Boundaries b[0..n]: worker i gets micro-batches [b[i], b[i+1]) (possibly none).</summary>
    /// <param name="msPerMicroBatch">Each live worker's recent time per micro-batch, or null where unknown.</param>
    public static int[] Boundaries(int microBatches, IReadOnlyList<double?> msPerMicroBatch)
    {
        int n = msPerMicroBatch.Count;
        var bounds = new int[n + 1];
        if (n == 0)
            return bounds;
        if (msPerMicroBatch.Any(ms => ms is null))
        {
            int k = Math.Min(n, microBatches);
            for (int i = 0; i <= n; i++)
                bounds[i] = i < k ? i * microBatches / k : microBatches;
            return bounds;
        }
        var speed = msPerMicroBatch.Select(ms => 1 / Math.Max(ms!.Value, 1e-3)).ToArray();
        double total = speed.Sum(), cumulative = 0;
        for (int i = 1; i <= n; i++)
        {
            cumulative += speed[i - 1];
            int ideal = (int)Math.Round(microBatches * cumulative / total, MidpointRounding.AwayFromZero);
            int least = bounds[i - 1] + (microBatches >= n ? 1 : 0), most = microBatches - (microBatches >= n ? n - i : 0);
            bounds[i] = i == n ? microBatches : Math.Clamp(ideal, least, Math.Max(least, most));
        }
        return bounds;
    }
}
