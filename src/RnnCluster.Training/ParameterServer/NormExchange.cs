using RnnCluster.Core.Optim;

namespace RnnCluster.Training.ParameterServer;

/// <summary>
/// One shard's view of a step's norm: every shard sends its blocks' sums of squares to every other
/// (<see cref="ShardReduced"/>), and each folds all of them in block order itself
/// (<see cref="BlockNorm.Fold"/>), so every shard has the same ‖g‖² without a round trip through
/// the run. Sums are kept per (step, attempt): an attempt is a try at a step, counted up when a
/// non-finite fold made every shard forget it, so a slow peer's sums of a forgotten try cannot
/// mix with the next one's.
/// </summary>
public sealed class NormExchange(int totalLength, int count)
{
    private readonly int _blocks = BlockNorm.BlockCount(totalLength);
    private readonly Dictionary<(long Step, int Attempt), (double[] Sums, HashSet<int> From)> _open = new();

    /// <summary>
    /// Takes shard <c>reduced.Index</c>'s sums; once every shard's sums of (<paramref name="step"/>,
    /// <paramref name="attempt"/>) are in, returns the folded ‖g‖² (and forgets that try and older ones).
    /// Sums of a later try are kept for when this shard gets there.
    /// </summary>
    public double? Offer(ShardReduced reduced, long step, int attempt)
    {
        var key = (reduced.Step, reduced.Attempt);
        if (reduced.Step < step || (reduced.Step == step && reduced.Attempt < attempt))
            return null; // a try every shard is past
        if (!_open.TryGetValue(key, out var open))
            _open[key] = open = (new double[_blocks], new HashSet<int>());
        if (reduced.FirstBlock < 0 || reduced.FirstBlock + reduced.BlockSums.Length > _blocks || !open.From.Add(reduced.Index))
            return null;
        reduced.BlockSums.CopyTo(open.Sums.AsSpan(reduced.FirstBlock));
        return Folded(step, attempt);
    }

    private double? Folded(long step, int attempt)
    {
        if (!_open.TryGetValue((step, attempt), out var open) || open.From.Count < count)
            return null;
        foreach (var key in _open.Keys.Where(k => k.Step < step || (k.Step == step && k.Attempt <= attempt)).ToList())
            _open.Remove(key);
        return BlockNorm.Fold(open.Sums);
    }
}
