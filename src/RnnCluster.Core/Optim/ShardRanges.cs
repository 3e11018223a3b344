using RnnCluster.Core.Steps;

namespace RnnCluster.Core.Optim;

/// <summary>
/// The contiguous ranges of the flat parameter buffer that S parameter-server shards own, in buffer
/// order: whole <see cref="BlockNorm"/> blocks, as even as the blocks allow. Whole blocks let each
/// shard compute its blocks' sums of squares, so every shard folds the same norm
/// (<see cref="BlockNorm.Fold"/>) and applies <see cref="Optimizer.ApplySlice"/> to its range.
/// </summary>
public static class ShardRanges
{
    /// <summary>The most shards a buffer of <paramref name="parameterCount"/> values can have: one block each.</summary>
    public static int MaxShards(int parameterCount) => Math.Max(1, BlockNorm.BlockCount(parameterCount));

    /// <exception cref="ArgumentOutOfRangeException">Fewer than 1 shard, or more shards than blocks; the message says how many are possible.</exception>
    public static IReadOnlyList<GradientPart> For(int parameterCount, int shards)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(parameterCount);
        int blocks = BlockNorm.BlockCount(parameterCount), most = MaxShards(parameterCount);
        if (shards < 1 || shards > most)
            throw new ArgumentOutOfRangeException(nameof(shards), shards,
                $"{shards} shards for {parameterCount} parameters: shards own whole blocks of {BlockNorm.BlockSize} values, so between 1 and {most}.");
        var ranges = new GradientPart[shards];
        for (int k = 0; k < shards; k++)
        {
            int start = Math.Min(parameterCount, (int)((long)k * blocks / shards * BlockNorm.BlockSize));
            int end = Math.Min(parameterCount, (int)((long)(k + 1) * blocks / shards * BlockNorm.BlockSize));
            ranges[k] = new GradientPart(start, end - start);
        }
        return ranges;
    }
}
