using RnnCluster.Training.Coordinator;

namespace RnnCluster.Training.Tests.Coordinator;

public sealed class ShareSplitTests
{
    [Fact]
    public void Unknown_speeds_split_evenly_as_before()
    {
        Assert.Equal([0, 2, 5, 8], ShareSplit.Boundaries(8, [null, null, null]));
        Assert.Equal([0, 2, 5, 8], ShareSplit.Boundaries(8, [3.0, null, 1.0])); // one unknown is enough
        Assert.Equal([0, 1, 2, 2], ShareSplit.Boundaries(2, [null, null, null])); // more workers than micro-batches
    }

    [Fact]
    public void Known_speeds_give_a_straggler_fewer_micro_batches()
    {
        // w1 is three times slower: speeds 1, 1/3, 1 of a total 7/3 → 6.86, 2.29, 6.86 of 16.
        Assert.Equal([0, 7, 9, 16], ShareSplit.Boundaries(16, [1.0, 3.0, 1.0]));
        Assert.Equal([0, 4, 8, 12, 16], ShareSplit.Boundaries(16, [2.0, 2.0, 2.0, 2.0]));
    }

    [Fact]
    public void A_very_slow_worker_keeps_one_micro_batch_and_the_cut_stays_contiguous_and_complete()
    {
        Assert.Equal([0, 2, 3, 4], ShareSplit.Boundaries(4, [1.0, 100.0, 1.0]));
        Assert.Equal([0, 1, 2, 3], ShareSplit.Boundaries(3, [100.0, 100.0, 1.0]));
        var fewer = ShareSplit.Boundaries(2, [1.0, 100.0, 1.0]); // fewer micro-batches than workers: some get none
        Assert.Equal((0, 2), (fewer[0], fewer[^1]));
        Assert.True(fewer.Zip(fewer.Skip(1)).All(p => p.Item1 <= p.Item2));
    }
}
