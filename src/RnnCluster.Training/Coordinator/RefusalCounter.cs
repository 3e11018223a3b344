namespace RnnCluster.Training.Coordinator;

/// <summary>
/// Counts refused gradients per micro-batch. Recomputing a micro-batch gives the same bytes, so a
/// gradient refused again and again (NaN, overflow) is the data's or the settings' fault, not a
/// worker's: after <paramref name="limit"/> refusals the run ends as diverged.
/// </summary>
public sealed class RefusalCounter(int limit)
{
    private readonly Dictionary<int, int> _counts = new();

    public void Clear() => _counts.Clear();

    /// <summary>Counts one refusal of each micro-batch in [lo, hi); why the run must end when one reached the limit, else null.</summary>
    public string? Count(long step, int lo, int hi, string reason)
    {
        for (int m = lo; m < hi; m++)
        {
            int count = _counts.GetValueOrDefault(m) + 1;
            _counts[m] = count;
            if (count >= limit)
                return
                    $"training diverged: the gradient of step {step} micro-batch {m} was refused {count} times ({reason}); " +
                    "lower --lr or --clip, or check the data. The last good checkpoint is kept.";
        }
        return null;
    }
}
