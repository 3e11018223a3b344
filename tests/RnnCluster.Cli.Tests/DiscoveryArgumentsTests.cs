using System.CommandLine;
using RnnCluster.Cli.Commands;
using RnnCluster.Training.Node;

namespace RnnCluster.Cli.Tests;

/// <summary>
/// `node --discovery seed|kubernetes`: what is accepted, what is refused (as a usage error, before
/// anything starts) and what reaches the membership options, from the command line and from
/// RNNCLUSTER_* settings alike.
/// </summary>
[Collection(ConfiguredDefaultsCollection.Name)]
public sealed class DiscoveryArgumentsTests
{
    private const string PodIp = "10.1.2.3";

    /// <summary>Parses <paramref name="args"/> with <paramref name="environment"/> as the node's settings and reads the discovery.</summary>
    private static PodDiscoveryOptions? Read(string[] args, IReadOnlyList<string>? seeds = null, string host = "0.0.0.0", string? publicHost = PodIp,
        Dictionary<string, string>? environment = null)
    {
        try
        {
            ConfiguredDefaults.Load(args, environment ?? []);
            var discovery = new DiscoveryArguments();
            var command = new Command("node");
            discovery.AddTo(command);
            var parsed = command.Parse(args);
            Assert.True(parsed.Errors.Count == 0, string.Join("; ", parsed.Errors.Select(e => e.Message)));
            return discovery.Read(parsed, seeds ?? [], host, publicHost);
        }
        finally
        {
            ConfiguredDefaults.Load([], new Dictionary<string, string>());
        }
    }

    private static string Refused(string[] args, IReadOnlyList<string>? seeds = null, string host = "0.0.0.0", string? publicHost = PodIp) =>
        Assert.Throws<UsageException>(() => Read(args, seeds, host, publicHost)).Message;

    [Fact]
    public void Seed_is_the_default_and_configures_no_kubernetes_discovery()
    {
        Assert.Null(Read([]));
        Assert.Null(Read(["--discovery", "seed"], seeds: ["akka.tcp://rnncluster@coordinator:4053"]));
    }

    [Fact]
    public void Kubernetes_takes_the_selector_namespace_and_contact_points()
    {
        var defaults = Read(["--discovery", "kubernetes"]);
        Assert.Equal(new PodDiscoveryOptions(), defaults);

        var given = Read(["--discovery", "Kubernetes", "--pod-selector", "app=x,tier=train", "--pod-namespace", "ml", "--contact-points", "3"]);
        Assert.Equal(new PodDiscoveryOptions { PodLabelSelector = "app=x,tier=train", Namespace = "ml", RequiredContactPoints = 3 }, given);
    }

    [Fact]
    public void Kubernetes_settings_come_from_the_environment_as_well()
    {
        var options = Read([], environment: new()
        {
            ["RNNCLUSTER_DISCOVERY"] = "kubernetes",
            ["RNNCLUSTER_POD_SELECTOR"] = "app.kubernetes.io/name=rnncluster",
            ["RNNCLUSTER_POD_NAMESPACE"] = "ml",
            ["RNNCLUSTER_CONTACT_POINTS"] = "1",
        });
        Assert.Equal(new PodDiscoveryOptions { Namespace = "ml", RequiredContactPoints = 1 }, options);
    }

    [Fact]
    public void Kubernetes_with_a_seed_address_is_a_usage_error_naming_the_seed()
    {
        string message = Refused(["--discovery", "kubernetes"], seeds: ["akka.tcp://rnncluster@coordinator:4053"]);
        Assert.Equal("--discovery kubernetes finds the cluster through the Kubernetes API: leave out the seed node akka.tcp://rnncluster@coordinator:4053 (--seed with an address is for --discovery seed).", message);
    }

    [Fact]
    public void Bad_values_and_options_without_kubernetes_are_usage_errors()
    {
        Assert.Equal("--discovery takes seed or kubernetes, not 'dns'.", Refused(["--discovery", "dns"]));
        Assert.Equal("--pod-selector goes with --discovery kubernetes.", Refused(["--pod-selector", "app=x"]));
        Assert.Equal("--contact-points goes with --discovery kubernetes.", Refused(["--discovery", "seed", "--contact-points", "3"]));
        Assert.Equal("--contact-points must be at least 1.", Refused(["--discovery", "kubernetes", "--contact-points", "0"]));
        Assert.Contains("--pod-selector needs a label selector", Refused(["--discovery", "kubernetes", "--pod-selector", " "]), StringComparison.Ordinal);
        Assert.Contains("needs --public-host", Refused(["--discovery", "kubernetes"], publicHost: null), StringComparison.Ordinal);
        Assert.NotNull(Read(["--discovery", "kubernetes"], host: "10.1.2.3", publicHost: null)); // a concrete address is reachable as it is
    }

    [Fact]
    public void The_node_command_has_the_discovery_options_and_train_has_not()
    {
        var root = CliApp.BuildRoot();
        var node = root.Subcommands.Single(c => c.Name == "node").Options.Select(o => o.Name).ToHashSet();
        var train = root.Subcommands.Single(c => c.Name == "train").Options.Select(o => o.Name).ToHashSet();
        foreach (string name in new[] { "--discovery", "--pod-selector", "--pod-namespace", "--contact-points" })
        {
            Assert.Contains(name, node);
            Assert.DoesNotContain(name, train);
        }
    }
}
