namespace RnnCluster.Cli.Tests;

/// <summary>
/// A fact that needs <see cref="NetworkNamespace"/>: reported as skipped, with the reason, where
/// network namespaces and veth pairs cannot be created (not Linux, not root, no iproute2, refused).
/// The probe runs once per test process.
/// </summary>
public sealed class NetworkNamespaceFactAttribute : FactAttribute
{
    private static readonly Lazy<string?> Unavailable = new(NetworkNamespace.Probe);

    public NetworkNamespaceFactAttribute()
    {
        if (Unavailable.Value is { } reason)
            Skip = reason;
    }
}

