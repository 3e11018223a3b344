
namespace RnnCluster.Training.Node;

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
