using System.CommandLine;
using RnnCluster.Training.Node;

namespace RnnCluster.Cli.Commands;

/// <summary>
/// `node --discovery seed|kubernetes` and the Kubernetes discovery's options. `seed` (the
/// default) joins the --seed addresses; `kubernetes` finds the other pods through the Kubernetes
/// API (Akka.Management Cluster Bootstrap), for pods whose addresses nobody knows in advance.
/// </summary>
internal sealed class DiscoveryArguments
{
    public const string Seed = "seed";
    public const string Kubernetes = "kubernetes";

    public Option<string> Discovery { get; } = ConfiguredDefaults.Make<string>("--discovery",
        "how this node finds the cluster: seed (join the --seed addresses) or kubernetes (Cluster Bootstrap over the Kubernetes API)", Seed);

    public Option<string> PodSelector { get; } = ConfiguredDefaults.Make<string>("--pod-selector",
        "--discovery kubernetes: label selector of the cluster's pods", KubernetesBootstrapOptions.DefaultPodLabelSelector);

    public Option<string?> PodNamespace { get; } = ConfiguredDefaults.MakeOptional<string>("--pod-namespace",
        "--discovery kubernetes: namespace of the cluster's pods (default: the pod's own, from its service account)");

    public Option<int> ManagementPort { get; } = ConfiguredDefaults.Make<int>("--management-port",
        $"--discovery kubernetes: port of the bootstrap endpoint, a container port named '{KubernetesBootstrapOptions.ManagementPortName}'", KubernetesBootstrapOptions.DefaultManagementPort);

    public Option<int> ContactPoints { get; } = ConfiguredDefaults.Make<int>("--contact-points",
        "--discovery kubernetes: pods that must be found before a new cluster is formed", KubernetesBootstrapOptions.DefaultRequiredContactPoints);

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { Discovery, PodSelector, PodNamespace, ManagementPort, ContactPoints })
            command.Options.Add(option);
    }

    /// <summary>
    /// The Kubernetes discovery to use, or null for seed nodes; throws <see cref="UsageException"/> on
    /// bad input. <paramref name="seedAddresses"/> are the seed-node addresses given in any way
    /// (--seed, --seed-node, a settings file, the environment): a node that had both would join
    /// whichever answered first, so the two are refused together.
    /// </summary>
    public KubernetesBootstrapOptions? Read(ParseResult p, IReadOnlyCollection<string> seedAddresses, string host, string? publicHost)
    {
        string mode = p.GetValue(Discovery)!.Trim().ToLowerInvariant();
        if (mode == Seed)
        {
            foreach (var option in new Option[] { PodSelector, PodNamespace, ManagementPort, ContactPoints }.Where(o => RunArguments.Given(p, o)))
                throw new UsageException($"{option.Name} goes with --discovery kubernetes.");
            return null;
        }
        if (mode != Kubernetes)
            throw new UsageException($"--discovery takes seed or kubernetes, not '{p.GetValue(Discovery)}'.");
        if (seedAddresses.Count > 0)
            throw new UsageException($"--discovery kubernetes finds the cluster through the Kubernetes API: leave out the seed node {seedAddresses.First()} (--seed with an address is for --discovery seed).");
        string selector = p.GetValue(PodSelector)!.Trim();
        if (selector.Length == 0)
            throw new UsageException("--pod-selector needs a label selector, e.g. app.kubernetes.io/name=rnncluster.");
        int managementPort = p.GetValue(ManagementPort);
        if (managementPort is < 1 or > 65535)
            throw new UsageException($"--management-port must be a TCP port, 1..65535, not {managementPort}.");
        int contactPoints = p.GetValue(ContactPoints);
        if (contactPoints < 1)
            throw new UsageException("--contact-points must be at least 1.");
        // The other pods reach this one (and the join decider recognises it) by the address it
        // advertises; a wildcard there cannot be connected to.
        if (publicHost is null && host is "0.0.0.0" or "*" or "::")
            throw new UsageException($"--discovery kubernetes with --host {host} needs --public-host (the pod's IP, e.g. RNNCLUSTER_PUBLIC_HOST from status.podIP).");
        return new KubernetesBootstrapOptions
        {
            PodLabelSelector = selector,
            Namespace = string.IsNullOrWhiteSpace(p.GetValue(PodNamespace)) ? null : p.GetValue(PodNamespace)!.Trim(),
            ManagementPort = managementPort,
            RequiredContactPoints = contactPoints,
        };
    }
}
