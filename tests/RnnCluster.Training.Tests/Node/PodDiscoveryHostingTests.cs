using Akka.Configuration;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using RnnCluster.Training.Node;

namespace RnnCluster.Training.Tests.Node;

/// <summary>
/// The Akka configuration `node --discovery kubernetes` produces, read from the hosting builder:
/// the pods found are the only seeds, the node advertises the address the others find it by, and
/// seed addresses cannot be mixed in.
/// </summary>
public sealed class PodDiscoveryHostingTests
{
    private static Config Build(MembershipOptions options, NodeSettings? settings = null)
    {
        var builder = new AkkaConfigurationBuilder(new ServiceCollection(), RnnClusterHosting.SystemName);
        builder.WithRnnClusterMembership(options, settings);
        return builder.Configuration.Value;
    }

    private static MembershipOptions PodNode(PodDiscoveryOptions pods) =>
        new(Host: "0.0.0.0", Port: 4053, PublicHost: "10.1.2.3", Roles: [Roles.Worker], Pods: pods);

    [Fact]
    public void A_pod_node_advertises_its_ip_and_configures_no_seed_and_no_management_endpoint()
    {
        var config = Build(PodNode(new PodDiscoveryOptions()));
        Assert.Equal("10.1.2.3", config.GetString("akka.remote.dot-netty.tcp.public-hostname"));
        Assert.Equal("0.0.0.0", config.GetString("akka.remote.dot-netty.tcp.hostname"));
        Assert.Equal(4053, config.GetInt("akka.remote.dot-netty.tcp.port"));
        Assert.Empty(config.GetStringList("akka.cluster.seed-nodes"));
        Assert.False(config.HasPath("akka.management"));
    }

    [Fact]
    public void Seed_nodes_stay_as_they_were()
    {
        var config = Build(new MembershipOptions(Host: "0.0.0.0", Port: 4053, PublicHost: "worker-1", Seeds: ["akka.tcp://rnncluster@coordinator:4053"]));
        Assert.Equal(["akka.tcp://rnncluster@coordinator:4053"], config.GetStringList("akka.cluster.seed-nodes"));
    }

    [Fact]
    public void Seed_addresses_and_pod_discovery_together_are_refused()
    {
        var options = PodNode(new PodDiscoveryOptions()) with { Seeds = ["akka.tcp://rnncluster@coordinator:4053"] };
        Assert.Contains("exclude each other", Assert.Throws<ArgumentException>(() => Build(options)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_heartbeat_pause_setting_reaches_the_failure_detector()
    {
        var options = new MembershipOptions(Host: "127.0.0.1", Port: 0);
        Assert.Equal(TimeSpan.FromSeconds(3), Build(options).GetTimeSpan("akka.cluster.failure-detector.acceptable-heartbeat-pause"));
        var patient = Build(options, NodeSettings.Default with { HeartbeatPause = TimeSpan.FromSeconds(20) });
        Assert.Equal(TimeSpan.FromSeconds(20), patient.GetTimeSpan("akka.cluster.failure-detector.acceptable-heartbeat-pause"));
    }
}
