namespace RnnCluster.Training.Node;

/// <summary>
/// Cluster formation without seed addresses, for pods whose addresses are not known up front:
/// Akka.Management's Cluster Bootstrap finds the other members' pods through the Kubernetes API
/// (Akka.Discovery.KubernetesApi) and asks their management endpoints whether a cluster exists;
/// if none does, the pod with the lowest address forms it and the others join.
/// </summary>
public sealed record KubernetesBootstrapOptions
{
    /// <summary>The labels every RnnCluster pod carries (deploy/k8s), coordinator and workers alike.</summary>
    public const string DefaultPodLabelSelector = "app.kubernetes.io/name=rnncluster";

    /// <summary>
    /// The name of the container port the management endpoint listens on: discovery returns each
    /// pod's port of this name, so the manifests must declare it under exactly this name.
    /// </summary>
    public const string ManagementPortName = "management";

    public const int DefaultManagementPort = 8558;

    /// <summary>
    /// Two pods must be seen before a new cluster is formed: a lone pod that started early would
    /// otherwise found a cluster of its own while the next one is still being scheduled.
    /// </summary>
    public const int DefaultRequiredContactPoints = 2;

    /// <summary>Kubernetes label selector of the pods that belong to this cluster.</summary>
    public string PodLabelSelector { get; init; } = DefaultPodLabelSelector;

    /// <summary>The namespace to look for pods in; null reads the pod's own one from its service account.</summary>
    public string? Namespace { get; init; }

    /// <summary>Port of Akka.Management's HTTP endpoint (bootstrap contact point), bound on the remoting host.</summary>
    public int ManagementPort { get; init; } = DefaultManagementPort;

    /// <summary>Pods that must be discovered before the lowest-addressed one may form a new cluster.</summary>
    public int RequiredContactPoints { get; init; } = DefaultRequiredContactPoints;
}
