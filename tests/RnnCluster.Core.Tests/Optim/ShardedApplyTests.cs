using RnnCluster.Core.Optim;
using RnnCluster.Core.Steps;
using RnnCluster.Core.Tests.Kernels;

namespace RnnCluster.Core.Tests.Optim;

/// <summary>
/// S shards, each holding a block-aligned range of the parameters and of the optimizer state,
/// exchange only their blocks' sums of squares and each apply their slice: the stitched result is
/// the bytes of one whole-buffer update, for S = 1..blocks and every rule.
/// </summary>
public sealed class ShardedApplyTests
{
    private const int Size = 3 * BlockNorm.BlockSize + 1001;

    public static IEnumerable<object[]> Rules() => ParallelApplyTests.Rules();

    [Theory]
    [MemberData(nameof(Rules))]
    public void Every_shard_count_gives_the_whole_update_bytes(OptimizerSettings settings)
    {
        var whole = new Optimizer(settings, new LrSchedule(), 1f, Size);
        var parameters = KernelTestData.Random(Size, 1f, 1);
        var state = new float[whole.StateSize];
        int sections = whole.StateSize / Size;
        var gradients = Enumerable.Range(0, 3).Select(step => KernelTestData.Random(Size, 0.5f, (ulong)step + 2)).ToArray();
        var expectedParameters = (float[])parameters.Clone();
        var results = new List<UpdateResult>();
        for (int step = 0; step < gradients.Length; step++)
            results.Add(whole.Apply(expectedParameters, (float[])gradients[step].Clone(), state, step));

        for (int shards = 1; shards <= ShardRanges.MaxShards(Size); shards++)
        {
            var ranges = ShardRanges.For(Size, shards);
            var held = ranges.Select(r => (Parameters: parameters.AsSpan(r.Offset, r.Length).ToArray(), State: new float[sections * r.Length])).ToArray();
            for (int step = 0; step < gradients.Length; step++)
            {
                // Each shard's gradient slice (as workers would send it), its block sums exchanged, then its update.
                var slices = ranges.Select(r => gradients[step].AsSpan(r.Offset, r.Length).ToArray()).ToArray();
                var sums = new double[BlockNorm.BlockCount(Size)];
                for (int k = 0; k < shards; k++)
                    BlockNorm.BlockSums(slices[k], sums.AsSpan(ranges[k].Offset / BlockNorm.BlockSize, BlockNorm.BlockCount(ranges[k].Length)));
                double sumOfSquares = BlockNorm.Fold(sums);
                for (int k = 0; k < shards; k++)
                {
                    var shard = new Optimizer(settings, new LrSchedule(), 1f, ranges[k].Length);
                    var result = shard.ApplySlice(held[k].Parameters, slices[k], held[k].State, step, sumOfSquares);
                    Assert.Equal(results[step], result);
                }
            }
            Assert.Equal(Bits(expectedParameters), Bits(held.SelectMany(h => h.Parameters).ToArray()));
            for (int section = 0; section < sections; section++)
            {
                var stitched = ranges.Select((r, k) => held[k].State.AsSpan(section * r.Length, r.Length).ToArray()).SelectMany(x => x).ToArray();
                Assert.Equal(Bits(state.AsSpan(section * Size, Size).ToArray()), Bits(stitched));
            }
        }
    }

    [Fact]
    public void Shards_own_whole_blocks_in_buffer_order()
    {
        var ranges = ShardRanges.For(Size, 3);
        Assert.Equal([new GradientPart(0, BlockNorm.BlockSize), new GradientPart(BlockNorm.BlockSize, BlockNorm.BlockSize), new GradientPart(2 * BlockNorm.BlockSize, BlockNorm.BlockSize + 1001)], ranges);
        Assert.Equal(4, ShardRanges.MaxShards(Size));
        Assert.Equal(1, ShardRanges.MaxShards(100));
        Assert.Equal([new GradientPart(0, 100)], ShardRanges.For(100, 1));
        Assert.Contains("between 1 and 4", Assert.Throws<ArgumentOutOfRangeException>(() => ShardRanges.For(Size, 5)).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => ShardRanges.For(Size, 0));
    }

    [Fact]
    public void A_non_finite_sum_from_any_shard_changes_nothing()
    {
        var optimizer = new Optimizer(new OptimizerSettings(OptimizerKind.Adam, 1e-2f), new LrSchedule(), 1f, 10);
        var parameters = KernelTestData.Random(10, 1f, 3);
        var before = (float[])parameters.Clone();
        Assert.Throws<NonFiniteGradientException>(() => optimizer.ApplySlice(parameters, new float[10], new float[20], 0, double.PositiveInfinity));
        Assert.Equal(before, parameters);
    }

    private static int[] Bits(float[] x) => x.Select(BitConverter.SingleToInt32Bits).ToArray();
}
