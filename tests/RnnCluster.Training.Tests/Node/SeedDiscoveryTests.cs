using Akka.Actor;
using RnnCluster.Training.Node;

namespace RnnCluster.Training.Tests.Node;

public sealed class SeedDiscoveryTests
{
    private static readonly DateTime T0 = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    private static readonly TimeSpan Margin = TimeSpan.FromSeconds(5);

    private static Address Pod(string ip) => new("akka.tcp", "rnncluster", ip, 4053);

    [Fact]
    public void Seeds_are_given_once_enough_pods_were_seen_unchanged_for_the_margin()
    {
        var decision = new SeedDiscovery(Pod("10.0.0.2"), requiredContactPoints: 2, Margin);
        Assert.Null(decision.Observe([Pod("10.0.0.2")], T0)); // alone: not enough
        Assert.Null(decision.Observe([Pod("10.0.0.2")], T0 + Margin * 2));
        Assert.Null(decision.Observe([Pod("10.0.0.2"), Pod("10.0.0.1")], T0 + Margin * 3)); // the set changed: the margin starts again
        Assert.Null(decision.Observe([Pod("10.0.0.1"), Pod("10.0.0.2")], T0 + Margin * 3 + Margin / 2));
        Assert.Equal([Pod("10.0.0.1"), Pod("10.0.0.2")], decision.Observe([Pod("10.0.0.2"), Pod("10.0.0.1")], T0 + Margin * 4));
    }

    [Fact]
    public void Every_pod_orders_the_same_pods_the_same_way()
    {
        var found = new[] { Pod("10.0.0.9"), Pod("10.0.0.10"), Pod("10.0.1.1") };
        var orders = found.Select(self =>
        {
            var decision = new SeedDiscovery(self, 3, Margin);
            decision.Observe(found.Reverse(), T0);
            return decision.Observe(found, T0 + Margin)!;
        }).ToList();
        Assert.All(orders, order => Assert.Equal(orders[0], order));
        Assert.Equal(3, orders[0].Count);
    }

    [Fact]
    public void A_pod_the_api_does_not_list_yet_counts_itself_but_never_comes_first()
    {
        var decision = new SeedDiscovery(Pod("10.0.0.1"), requiredContactPoints: 2, Margin);
        decision.Observe([Pod("10.0.0.5")], T0);
        var seeds = decision.Observe([Pod("10.0.0.5")], T0 + Margin);
        Assert.Equal([Pod("10.0.0.5")], seeds); // it joins the listed pod; only a seed list starting with itself could form a cluster

        var alone = new SeedDiscovery(Pod("10.0.0.1"), requiredContactPoints: 1, Margin);
        alone.Observe([], T0);
        Assert.Equal([Pod("10.0.0.1")], alone.Observe([], T0 + Margin)); // one pod required: it forms the cluster itself
    }
}
