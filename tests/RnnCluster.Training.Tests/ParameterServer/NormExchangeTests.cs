using RnnCluster.Core.Optim;
using RnnCluster.Training.ParameterServer;

namespace RnnCluster.Training.Tests.ParameterServer;

/// <summary>Each shard's fold of every shard's block sums: complete only with all of them, in block order, per try at a step.</summary>
public sealed class NormExchangeTests
{
    private const int Total = 3 * 65536; // three norm blocks

    private static ShardReduced Sums(int index, long step = 4, int attempt = 0) =>
        new("r", step, index, FirstBlock: index, [index + 0.5], attempt);

    [Fact]
    public void The_fold_comes_with_the_last_shard_in_whatever_order_they_arrive()
    {
        var exchange = new NormExchange(Total, count: 3);
        Assert.Null(exchange.Offer(Sums(2), step: 4, attempt: 0));
        Assert.Null(exchange.Offer(Sums(2), 4, 0)); // a duplicate is not a third shard
        Assert.Null(exchange.Offer(Sums(0), 4, 0));
        Assert.Equal(BlockNorm.Fold([0.5, 1.5, 2.5]), exchange.Offer(Sums(1), 4, 0));
    }

    [Fact]
    public void Sums_of_a_later_try_or_step_wait_and_those_of_a_forgotten_try_are_dropped()
    {
        var exchange = new NormExchange(Total, count: 2);
        Assert.Null(exchange.Offer(Sums(1, attempt: 1), 4, 0)); // a peer already retrying, this shard not yet
        Assert.Null(exchange.Offer(Sums(0, attempt: 0), 4, 0));
        Assert.Equal(BlockNorm.Fold([0.5, 1.5]), exchange.Offer(Sums(1, attempt: 0), 4, 0));
        Assert.Equal(BlockNorm.Fold([0.5, 1.5]), exchange.Offer(Sums(0, attempt: 1), 4, 1));

        Assert.Null(exchange.Offer(Sums(0, attempt: 0), 4, 2)); // a forgotten try
        Assert.Null(exchange.Offer(Sums(1, step: 3), 4, 2));    // an applied step
        Assert.Null(exchange.Offer(Sums(1, step: 5), 4, 2));
        Assert.Equal(BlockNorm.Fold([0.5, 1.5]), exchange.Offer(Sums(0, step: 5), 5, 0));
    }

    [Fact]
    public void Sums_outside_the_buffer_s_blocks_are_ignored()
    {
        var exchange = new NormExchange(Total, count: 1);
        Assert.Null(exchange.Offer(new ShardReduced("r", 4, 0, FirstBlock: 2, [1.0, 2.0], 0), 4, 0));
        Assert.Equal(BlockNorm.Fold([0, 0, 1.0]), exchange.Offer(new ShardReduced("r", 4, 0, FirstBlock: 2, [1.0], 0), 4, 0));
    }
}
