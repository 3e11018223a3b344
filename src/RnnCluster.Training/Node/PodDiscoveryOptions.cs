namespace RnnCluster.Training.Node;

/// <summary>
/// Cluster formation without seed addresses, for pods whose addresses are not known up front: the
/// node lists the cluster's pods through the Kubernetes API (<see cref="KubernetesPodLister"/>) and
/// joins them as seed nodes (<see cref="SeedDiscovery"/>, <see cref="PodJoiner"/>).
/// </summary>
public sealed record PodDiscoveryOptions
{
    /// <summary>The labels every RnnCluster pod carries (deploy/k8s), coordinator and workers alike.</summary>
    public const string DefaultPodLabelSelector = "app.kubernetes.io/name=rnncluster";

    /// <summary>
    /// The name of the container port Akka.Remote listens on: discovery returns each pod's port of
    /// this name, so the manifests must declare it under exactly this name.
    /// </summary>
    public const string RemotingPortName = "remoting";

    /// <summary>
    /// Two pods must be seen before anyone forms a new cluster: a lone pod that started early would
    /// otherwise found a cluster of its own while the next one is still being scheduled.
    /// </summary>
    public const int DefaultRequiredContactPoints = 2;

    /// <summary>Kubernetes label selector of the pods that belong to this cluster.</summary>
    public string PodLabelSelector { get; init; } = DefaultPodLabelSelector;

    /// <summary>The namespace to look for pods in; null reads the pod's own one from its service account.</summary>
    public string? Namespace { get; init; }

    /// <summary>Pods (this one included) that must be discovered before the seed list is used.</summary>
    public int RequiredContactPoints { get; init; } = DefaultRequiredContactPoints;

    /// <summary>What lists the pods; null is the Kubernetes API as seen from inside a pod (tests put a fixed list here).</summary>
    public IPodLister? Lister { get; init; }
}
