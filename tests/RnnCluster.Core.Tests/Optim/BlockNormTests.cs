using RnnCluster.Core.Kernels;
using RnnCluster.Core.Optim;
using RnnCluster.Core.Tests.Kernels;

namespace RnnCluster.Core.Tests.Optim;

/// <summary>
/// The block-wise norm is one definition — Σ over blocks in ascending order of each block's
/// 16-lane sum of squares — whatever the threads and however the blocks are split among holders
/// (parameter-server shards fold the block sums they exchange).
/// </summary>
public sealed class BlockNormTests
{
    private static double Definition(float[] x)
    {
        double total = 0;
        for (int start = 0; start < x.Length; start += BlockNorm.BlockSize)
            total += ScalarReductions.SumOfSquares(x.AsSpan(start, Math.Min(BlockNorm.BlockSize, x.Length - start)));
        return total;
    }

    public static IEnumerable<object[]> Lengths() => KernelTestData.Lengths0To256()
        .Concat(new[] { BlockNorm.BlockSize - 1, BlockNorm.BlockSize, BlockNorm.BlockSize + 1, 3 * BlockNorm.BlockSize + 17, 5 * BlockNorm.BlockSize }.Select(n => new object[] { n }));

    [Theory]
    [MemberData(nameof(Lengths))]
    public void The_norm_is_the_block_definition_for_any_thread_count(int n)
    {
        var x = KernelTestData.Random(n, 3f, (ulong)n + 7);
        long expected = BitConverter.DoubleToInt64Bits(Definition(x));
        foreach (int threads in new[] { 1, 2, 3 })
        {
            using var parallel = new BlockParallel(threads);
            Assert.Equal(expected, BitConverter.DoubleToInt64Bits(BlockNorm.SumOfSquares(x, parallel)));
        }
        Assert.Equal(x.Sum(v => (double)v * v), BlockNorm.SumOfSquares(x), 1e-9 * (1 + n));
    }

    [Fact]
    public void Holders_of_block_ranges_fold_to_the_same_bits()
    {
        var x = KernelTestData.Random(7 * BlockNorm.BlockSize + 1234, 2f, 99);
        int blocks = BlockNorm.BlockCount(x.Length);
        long whole = BitConverter.DoubleToInt64Bits(BlockNorm.SumOfSquares(x));
        foreach (int holders in new[] { 1, 2, 4, 8 })
        {
            var sums = new double[blocks];
            for (int h = 0; h < holders; h++)
            {
                // Holder h owns blocks [lo, hi): it sees only its slice of the buffer.
                int lo = h * blocks / holders, hi = (h + 1) * blocks / holders;
                int start = lo * BlockNorm.BlockSize, end = Math.Min(x.Length, hi * BlockNorm.BlockSize);
                BlockNorm.BlockSums(x.AsSpan(start, end - start), sums.AsSpan(lo, hi - lo));
            }
            Assert.Equal(whole, BitConverter.DoubleToInt64Bits(BlockNorm.Fold(sums)));
        }
    }

    [Fact]
    public void A_non_finite_value_in_any_block_makes_the_norm_non_finite()
    {
        var x = KernelTestData.Random(3 * BlockNorm.BlockSize, 1f, 5);
        x[2 * BlockNorm.BlockSize + 5] = float.NaN;
        Assert.False(double.IsFinite(BlockNorm.SumOfSquares(x)));
        x[2 * BlockNorm.BlockSize + 5] = float.NegativeInfinity;
        using var parallel = new BlockParallel(2);
        Assert.False(double.IsFinite(BlockNorm.SumOfSquares(x, parallel)));
    }
}
