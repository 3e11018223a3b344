using Akka.Configuration;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using RnnCluster.Training.Node;

namespace RnnCluster.Training.Tests.Node;

/// <summary>
/// The Akka configuration `node --discovery kubernetes` produces, read from the hosting builder:
/// no API server is needed to check that discovery, bootstrap and management agree on the pod
/// selector, the namespace, the management port's name and number, and the advertised address.
/// </summary>
public sealed class KubernetesBootstrapHostingTests
{
    private static Config Build(MembershipOptions options)
    {
        var builder = new AkkaConfigurationBuilder(new ServiceCollection(), RnnClusterHosting.SystemName);
        builder.WithRnnClusterMembership(options);
        return builder.Configuration.Value;
    }

    private static MembershipOptions PodNode(KubernetesBootstrapOptions kubernetes) =>
        new(Host: "0.0.0.0", Port: 4053, PublicHost: "10.1.2.3", Roles: [Roles.Worker], Kubernetes: kubernetes);

    [Fact]
    public void Discovery_bootstrap_and_management_agree_on_selector_namespace_and_port()
    {
        var config = Build(PodNode(new KubernetesBootstrapOptions
        {
            PodLabelSelector = "app.kubernetes.io/name=rnncluster,tier=train",
            Namespace = "training",
            ManagementPort = 8600,
            RequiredContactPoints = 3,
        }));

        Assert.Equal("kubernetes-api", config.GetString("akka.discovery.method"));
        Assert.Equal("app.kubernetes.io/name=rnncluster,tier=train", config.GetString("akka.discovery.kubernetes-api.pod-label-selector"));
        Assert.Equal("training", config.GetString("akka.discovery.kubernetes-api.pod-namespace"));
        Assert.StartsWith("Akka.Discovery.KubernetesApi.KubernetesApiServiceDiscovery", config.GetString("akka.discovery.kubernetes-api.class"), StringComparison.Ordinal);

        var discovery = config.GetConfig("akka.management.cluster.bootstrap.contact-point-discovery");
        Assert.Equal("kubernetes-api", discovery.GetString("discovery-method"));
        Assert.Equal(KubernetesBootstrapOptions.ManagementPortName, discovery.GetString("port-name"));
        Assert.Equal(3, discovery.GetInt("required-contact-point-nr"));
        Assert.Equal(RnnClusterHosting.SystemName, discovery.GetString("service-name"));

        // The join decider finds itself among the discovered pods by this address: the pod's IP, as remoting advertises.
        Assert.Equal("10.1.2.3", config.GetString("akka.management.http.hostname"));
        Assert.Equal(8600, config.GetInt("akka.management.http.port"));
        Assert.Equal("0.0.0.0", config.GetString("akka.management.http.bind-hostname"));
        Assert.Equal(8600, config.GetInt("akka.management.http.bind-port"));
        Assert.Equal("10.1.2.3", config.GetString("akka.remote.dot-netty.tcp.public-hostname"));

        Assert.Empty(config.GetStringList("akka.cluster.seed-nodes"));
    }

    [Fact]
    public void Without_a_namespace_the_pod_reads_its_own_from_the_service_account()
    {
        var config = Build(PodNode(new KubernetesBootstrapOptions()));
        var kubernetes = config.GetConfig("akka.discovery.kubernetes-api");
        Assert.Equal("/var/run/secrets/kubernetes.io/serviceaccount/namespace", kubernetes.GetString("pod-namespace-path"));
        Assert.True(kubernetes.GetString("pod-namespace") is null or "<pod-namespace>", $"pod-namespace = {kubernetes.GetString("pod-namespace")}");
        Assert.Equal(KubernetesBootstrapOptions.DefaultPodLabelSelector, kubernetes.GetString("pod-label-selector"));
        Assert.Equal(KubernetesBootstrapOptions.DefaultManagementPort, config.GetInt("akka.management.http.port"));
        Assert.Equal(KubernetesBootstrapOptions.DefaultRequiredContactPoints, config.GetInt("akka.management.cluster.bootstrap.contact-point-discovery.required-contact-point-nr"));
    }

    [Fact]
    public void Seed_nodes_configure_no_discovery_and_no_management_endpoint()
    {
        var config = Build(new MembershipOptions(Host: "0.0.0.0", Port: 4053, PublicHost: "worker-1", Seeds: ["akka.tcp://rnncluster@coordinator:4053"]));
        Assert.Equal(["akka.tcp://rnncluster@coordinator:4053"], config.GetStringList("akka.cluster.seed-nodes"));
        Assert.False(config.HasPath("akka.management.cluster.bootstrap"));
        Assert.False(config.HasPath("akka.discovery.kubernetes-api"));
    }

    [Fact]
    public void Seed_addresses_and_kubernetes_discovery_together_are_refused()
    {
        var options = PodNode(new KubernetesBootstrapOptions()) with { Seeds = ["akka.tcp://rnncluster@coordinator:4053"] };
        var error = Assert.Throws<ArgumentException>(() => Build(options));
        Assert.Contains("exclude each other", error.Message, StringComparison.Ordinal);
    }
}
