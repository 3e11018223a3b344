using System.CommandLine;
using RnnCluster.Training.Node;

namespace RnnCluster.Cli.Commands;

/// <summary>
/// `node --discovery seed|kubernetes` and the Kubernetes discovery's options. `seed` (the
/// default) joins the --seed addresses; `kubernetes` joins the cluster's pods, found through the
/// Kubernetes API, for pods whose addresses nobody knows in advance.
/// </summary>
internal sealed class DiscoveryArguments
{
    public const string Seed = "seed";
    public const string Kubernetes = "kubernetes";

    public Option<string> Discovery { get; } = ConfiguredDefaults.Make<string>("--discovery",
        "how this node finds the cluster: seed (join the --seed addresses) or kubernetes (join the pods found through the Kubernetes API)", Seed);

    public Option<string> PodSelector { get; } = ConfiguredDefaults.Make<string>("--pod-selector",
        "--discovery kubernetes: label selector of the cluster's pods", PodDiscoveryOptions.DefaultPodLabelSelector);

    public Option<string?> PodNamespace { get; } = ConfiguredDefaults.MakeOptional<string>("--pod-namespace",
        "--discovery kubernetes: namespace of the cluster's pods (default: the pod's own, from its service account)");

    public Option<int> ContactPoints { get; } = ConfiguredDefaults.Make<int>("--contact-points",
        "--discovery kubernetes: pods (this one included) that must be found before they are joined", PodDiscoveryOptions.DefaultRequiredContactPoints);

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { Discovery, PodSelector, PodNamespace, ContactPoints })
            command.Options.Add(option);
    }

    /// <summary>
    /// The Kubernetes discovery to use, or null for seed nodes; throws <see cref="UsageException"/> on
    /// bad input. <paramref name="seedAddresses"/> are the seed-node addresses given in any way
    /// (--seed, --seed-node, a settings file, the environment): a node that had both would join
    /// whichever answered first, so the two are refused together.
    /// </summary>
    public PodDiscoveryOptions? Read(ParseResult p, IReadOnlyCollection<string> seedAddresses, string host, string? publicHost)
    {
        string mode = p.GetValue(Discovery)!.Trim().ToLowerInvariant();
        if (mode == Seed)
        {
            foreach (var option in new Option[] { PodSelector, PodNamespace, ContactPoints }.Where(o => RunArguments.Given(p, o)))
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
        int contactPoints = p.GetValue(ContactPoints);
        if (contactPoints < 1)
            throw new UsageException("--contact-points must be at least 1.");
        // The other pods reach this one by the address it advertises, and discovery lists it by
        // its IP; a wildcard there cannot be connected to.
        if (publicHost is null && host is "0.0.0.0" or "*" or "::")
            throw new UsageException($"--discovery kubernetes with --host {host} needs --public-host (the pod's IP, e.g. RNNCLUSTER_PUBLIC_HOST from status.podIP).");
        return new PodDiscoveryOptions
        {
            PodLabelSelector = selector,
            Namespace = string.IsNullOrWhiteSpace(p.GetValue(PodNamespace)) ? null : p.GetValue(PodNamespace)!.Trim(),
            RequiredContactPoints = contactPoints,
        };
    }
}
