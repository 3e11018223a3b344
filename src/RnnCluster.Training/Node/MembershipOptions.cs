using RnnCluster.Training.Wire;

namespace RnnCluster.Training.Node;

/// <summary>Where a node listens and whom it joins.</summary>
/// <param name="Seeds">Seed node addresses (akka.tcp://rnncluster@host:port); empty = this node founds the cluster alone.</param>
/// <param name="SbrStableAfterSeconds">How long the set of unreachable members must be stable before the Split Brain Resolver (keep-majority) downs a side.</param>
/// <param name="Credential">The cluster's certificate: mutually authenticated TLS on remoting and the bulk channel; peers must present the same certificate.</param>
/// <param name="BulkPort">Port of the bulk channel for parameters and gradients (see <see cref="EffectiveBulkPort"/>).</param>
/// <param name="Pods">When set, the seed nodes are the pods found through the Kubernetes API instead of <paramref name="Seeds"/>, which must then be empty.</param>
public sealed record MembershipOptions(
    string Host = "127.0.0.1",
    int Port = 0,
    string? PublicHost = null,
    IReadOnlyList<string>? Seeds = null,
    IReadOnlyList<string>? Roles = null,
    int MaxFrameBytes = 4 * 1024 * 1024,
    bool SerializeAllMessages = false,
    string LogLevel = "WARNING",
    int? BulkPort = null,
    int SbrStableAfterSeconds = 7,
    ClusterCredential? Credential = null,
    PodDiscoveryOptions? Pods = null)
{
    /// <summary>The bulk channel's port: as given, else the remoting port + 1 (firewall-friendly), else any free port.</summary>
    public int EffectiveBulkPort => BulkPort ?? (Port == 0 ? 0 : Port + 1);
}
