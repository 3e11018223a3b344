using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;
using Akka.TestKit.Xunit2;
using RnnCluster.Training.Node;

namespace RnnCluster.Training.Tests.Node;

/// <summary>
/// Cluster formation by discovered pods, in one process: a fixed list stands for the Kubernetes
/// API (which lists the same IP:port targets), so the join logic runs as it does in a pod, on
/// loopback addresses.
/// </summary>
public sealed class PodJoinerTests : TestKit
{
    private static readonly NodeSettings Quick = NodeSettings.Default with
    {
        DiscoveryInterval = TimeSpan.FromMilliseconds(100),
        DiscoveryStableMargin = TimeSpan.FromMilliseconds(300),
    };

    private readonly List<ActorSystem> _pods = [];

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>A node on <paramref name="port"/> whose discovery lists the pods on <paramref name="listed"/>, with a joiner started.</summary>
    private Cluster StartPod(int port, IEnumerable<int> listed, int requiredContactPoints = 2) =>
        StartPod(port, new FixedPods(listed.Select(p => new DnsEndPoint("127.0.0.1", p)).ToList()), requiredContactPoints);

    // Akka's default seed-node-timeout (5 s) stays: the first seed forms a cluster of its own when
    // no other seed answers in time, and under CI load a new association can take over a second.
    private Cluster StartPod(int port, IPodLister pods, int requiredContactPoints = 2)
    {
        var config = ConfigurationFactory.ParseString($$"""
            akka.actor.provider = cluster
            akka.remote.dot-netty.tcp { hostname = 127.0.0.1, port = {{port}} }
            akka.loglevel = WARNING
            """);
        var system = ActorSystem.Create(RnnClusterHosting.SystemName, config);
        _pods.Add(system);
        system.ActorOf(PodJoiner.Props(new PodDiscoveryOptions { RequiredContactPoints = requiredContactPoints }, pods, Quick), "pod-joiner");
        return Cluster.Get(system);
    }

    private void AwaitUp(Cluster cluster, int members) =>
        AwaitCondition(() => cluster.State.Members.Count(m => m.Status == MemberStatus.Up) == members, TimeSpan.FromSeconds(30));

    [Fact]
    public void Two_pods_found_by_discovery_form_one_cluster()
    {
        int a = FreePort(), b = FreePort();
        var first = StartPod(a, [a, b]);
        var second = StartPod(b, [b, a]);
        AwaitUp(first, 2);
        AwaitUp(second, 2);
    }

    [Fact]
    public void A_pod_started_later_with_the_lowest_address_joins_the_running_cluster_instead_of_founding_one()
    {
        // Seeds are ordered by address text on every pod: give the latecomer the one that sorts first.
        var ports = new[] { FreePort(), FreePort(), FreePort() }.OrderBy(p => $"127.0.0.1:{p}", StringComparer.Ordinal).ToArray();
        int late = ports[0], a = ports[1], b = ports[2];
        var first = StartPod(a, [a, b]);
        StartPod(b, [a, b]);
        AwaitUp(first, 2);

        var latecomer = StartPod(late, [late, a, b]);
        AwaitUp(first, 3);
        AwaitUp(latecomer, 3);
    }

    [Fact]
    public void With_one_contact_point_required_a_lone_pod_forms_the_cluster_itself()
    {
        int a = FreePort();
        AwaitUp(StartPod(a, [a], requiredContactPoints: 1), 1);
    }

    [Fact]
    public void Failed_listings_are_tried_again_until_the_pods_are_found()
    {
        int a = FreePort();
        var pods = new FlakyPods([new DnsEndPoint("127.0.0.1", a)], failures: 3);
        AwaitUp(StartPod(a, pods, requiredContactPoints: 1), 1);
        Assert.True(pods.Calls > 3);
    }

    /// <summary>Refuses the first listings (as an API server does before the RoleBinding exists), synchronously.</summary>
    private sealed class FlakyPods(IReadOnlyList<DnsEndPoint> pods, int failures) : IPodLister
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public Task<IReadOnlyList<DnsEndPoint>> ListAsync(CancellationToken cancel) =>
            Interlocked.Increment(ref _calls) <= failures ? throw new HttpRequestException("403 Forbidden") : Task.FromResult(pods);
    }

    private sealed class FixedPods(IReadOnlyList<DnsEndPoint> pods) : IPodLister
    {
        public Task<IReadOnlyList<DnsEndPoint>> ListAsync(CancellationToken cancel) => Task.FromResult(pods);
    }

    protected override void AfterAll()
    {
        foreach (var system in _pods)
            system.Terminate().Wait(TimeSpan.FromSeconds(10));
        base.AfterAll();
    }
}
