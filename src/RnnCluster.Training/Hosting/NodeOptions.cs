using RnnCluster.Training.Transport;

namespace RnnCluster.Training.Hosting;

/// <summary>Roles a process can take in a run.</summary>
public static class Roles
{
    public const string Coordinator = "coordinator";
    public const string ParameterServer = "ps";
    public const string Worker = "worker";

    public static readonly IReadOnlyList<string> All = [Coordinator, ParameterServer, Worker];
}

/// <summary>Where a node listens and whom it joins.</summary>
/// <param name="Seeds">Seed node addresses (akka.tcp://rnncluster@host:port); empty = this node founds the cluster alone.</param>
/// <param name="SbrStableAfterSeconds">How long the set of unreachable members must be stable before the Split Brain Resolver (keep-majority) downs a side.</param>
/// <param name="Credential">The cluster's certificate: mutually authenticated TLS on remoting and the bulk channel; peers must present the same certificate.</param>
/// <param name="BulkPort">Port of the bulk channel for parameters and gradients (see <see cref="EffectiveBulkPort"/>).</param>
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
    ClusterCredential? Credential = null)
{
    /// <summary>The bulk channel's port: as given, else the remoting port + 1 (firewall-friendly), else any free port.</summary>
    public int EffectiveBulkPort => BulkPort ?? (Port == 0 ? 0 : Port + 1);
}

/// <summary>The checkpoint store: a SQLite file by default, PostgreSQL for real clusters.</summary>
public sealed record StoreOptions(string ConnectionString, string ProviderName)
{
    public const string SqliteProvider = "SQLite.MS";
    public const string PostgresProvider = "PostgreSQL";

    public static StoreOptions Sqlite(string path) => new($"Data Source={Path.GetFullPath(path)};Pooling=True", SqliteProvider);

    public static StoreOptions Postgres(string connectionString) => new(connectionString, PostgresProvider);

    public bool IsSqlite => ProviderName == SqliteProvider;

    /// <summary>For messages: the file, or the PostgreSQL host and database without the password.</summary>
    public string Describe()
    {
        var parts = ConnectionString.Split(';', StringSplitOptions.RemoveEmptyEntries)
            .Where(p => !p.TrimStart().StartsWith("Password", StringComparison.OrdinalIgnoreCase) && !p.TrimStart().StartsWith("Pooling", StringComparison.OrdinalIgnoreCase));
        return (IsSqlite ? "SQLite " : "PostgreSQL ") + string.Join(";", parts);
    }
}
