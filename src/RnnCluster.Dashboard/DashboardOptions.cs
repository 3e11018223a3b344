using RnnCluster.Training.Node;

namespace RnnCluster.Dashboard;

/// <summary>What a dashboard serves and where.</summary>
/// <param name="Host">Address to bind: an IP address or localhost.</param>
/// <param name="Port">TCP port; 0 picks a free one (see <see cref="DashboardServer.Url"/>).</param>
/// <param name="Token">Bearer token every endpoint but /healthz and /ready requires; null = none (loopback only, checked by the caller).</param>
/// <param name="Store">The checkpoint store whose runs it shows; null = the live run only.</param>
/// <param name="Feed">The live run of this process (train, the coordinator node); null for stored runs only.</param>
public sealed record DashboardOptions(string Host, int Port, string? Token, StoreOptions? Store, RunFeed? Feed, GenerationLimits? Limits = null)
{
    public GenerationLimits GenerationLimits => Limits ?? GenerationLimits.Default;
}
