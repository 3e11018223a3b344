using RnnCluster.Core.Model;
using RnnCluster.Core.Optim;
using RnnCluster.Core.Steps;

namespace RnnCluster.Core.Tests.Steps;

/// <summary>
/// Parameter-server shards as plain objects: each receives its slice of every part of every
/// micro-batch's gradient, the shards exchange block sums, each updates its slice. Stitched, the
/// parameters and optimizer state are the reference trainer's bytes for any shard count.
/// </summary>
public sealed class ShardedTrainingTests
{
    private const int Steps = 3;

    private static (ModelDescription Model, TrainingSettings Settings, int[] Tokens) Config()
    {
        var (small, settings, tokens) = TrainingFixtures.Small(dropout: 0.1f, microBatches: 4);
        // Large enough for several norm blocks (≈ 8), so that shards hold different blocks.
        return (small with { Embed = 16, Hidden = 200 }, settings with { ClipNorm = 0.05f }, tokens);
    }

    [Fact]
    public void One_to_four_shards_give_the_reference_bytes()
    {
        var (model, settings, tokens) = Config();
        var reference = TrainingState.Initial(model, settings);
        var norms = new List<double>();
        using (var trainer = new ReferenceTrainer(reference, tokens))
            for (int s = 0; s < Steps; s++)
                norms.Add(trainer.Step().Update.GradientNorm);
        Assert.Contains(norms, n => n > settings.ClipNorm); // the clip is part of what shards must agree on

        var start = TrainingState.Initial(model, settings);
        var wholeParts = GradientParts.For(start.Layout);
        Assert.True(ShardRanges.MaxShards(start.Layout.TotalSize) >= 4);
        foreach (int count in new[] { 1, 2, 3, 4 })
        {
            var shards = ShardRanges.For(start.Layout.TotalSize, count)
                .Select(range => new ParameterShard(settings, wholeParts, range, start.Parameters, start.OptimizerState, 0)).ToArray();
            using var computer = new GradientComputer(model, settings, tokens);
            var gradient = new float[start.Layout.TotalSize];
            for (int step = 0; step < Steps; step++)
            {
                computer.SetParameters(shards.SelectMany(s => s.Parameters).ToArray());
                foreach (int m in new[] { 2, 0, 3, 1 })
                {
                    computer.Compute(step, m, gradient);
                    // Parts in the order backpropagation finishes them; each shard gets its overlap.
                    foreach (var part in wholeParts.InLayoutOrder.Reverse())
                        foreach (var shard in shards)
                        {
                            int from = Math.Max(part.Offset, shard.Range.Offset), to = Math.Min(part.Offset + part.Length, shard.Range.Offset + shard.Range.Length);
                            if (from < to)
                                shard.Offer(new TreeNode(m, m + 1), from - shard.Range.Offset, gradient.AsSpan(from, to - from));
                        }
                }
                var sums = new double[BlockNorm.BlockCount(start.Layout.TotalSize)];
                foreach (var shard in shards)
                {
                    Assert.True(shard.IsComplete);
                    shard.BlockSums(sums.AsSpan(shard.FirstBlock, shard.BlockCount));
                }
                double sumOfSquares = BlockNorm.Fold(sums);
                var results = shards.Select(s => s.Apply(sumOfSquares)).Distinct().ToList();
                Assert.Single(results); // every shard saw the same norm, clip and learning rate
            }
            Assert.Equal(TrainingFixtures.Bytes(reference.Parameters), TrainingFixtures.Bytes(shards.SelectMany(s => s.Parameters).ToArray()));
            int sections = reference.OptimizerState.Length / reference.Parameters.Length;
            for (int section = 0; section < sections; section++)
            {
                var stitched = shards.SelectMany(s => s.OptimizerState.AsSpan(section * s.Range.Length, s.Range.Length).ToArray()).ToArray();
                Assert.Equal(TrainingFixtures.Bytes(reference.OptimizerState.AsSpan(section * reference.Parameters.Length, reference.Parameters.Length)), TrainingFixtures.Bytes(stitched));
            }
            foreach (var shard in shards)
                shard.Dispose();
        }
    }

    [Fact]
    public void A_shard_sees_the_parts_cut_at_its_range()
    {
        var parts = GradientParts.For(new ParameterLayout(Config().Model));
        var range = ShardRanges.For(parts.TotalSize, 3)[1];
        var within = parts.Within(range);
        Assert.Equal(range.Length, within.TotalSize);
        Assert.Equal(range.Length, within.InLayoutOrder.Sum(p => p.Length));
        Assert.Equal(0, within.InLayoutOrder[0].Offset);
        foreach (var piece in within.InLayoutOrder) // every piece lies inside one whole part
            Assert.Contains(parts.InLayoutOrder, p => p.Offset <= piece.Offset + range.Offset && piece.Offset + range.Offset + piece.Length <= p.Offset + p.Length);
        Assert.Throws<ArgumentException>(() => new ParameterShard(TrainingFixtures.Small().Settings, parts, new GradientPart(100, 10), new float[parts.TotalSize], new float[2 * parts.TotalSize], 0));
    }
}
