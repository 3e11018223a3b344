using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;
using RnnCluster.Training.Node;
using RnnCluster.Training.Store;
using RnnCluster.Training.Wire;

namespace RnnCluster.Training.Tests.Store;

public enum StoreKind
{
    Sqlite,
    Postgres,
}

/// <summary>
/// A fresh, empty checkpoint store per test, removed afterwards: a SQLite file in its own temporary
/// directory, or a PostgreSQL schema of its own (created here, reached through the connection's
/// search path, dropped with everything in it on dispose), so PostgreSQL tests run in any order,
/// in parallel and repeatedly against the same database.
/// </summary>
internal sealed class StoreFixture : IAsyncDisposable
{
    private readonly string? _directory;

    private StoreFixture(StoreKind kind, StoreOptions options, string? directory, string? schema)
    {
        Kind = kind;
        Options = options;
        _directory = directory;
        Schema = schema;
    }

    public StoreKind Kind { get; }
    public StoreOptions Options { get; }

    /// <summary>The PostgreSQL schema that holds this store's tables; null for SQLite.</summary>
    public string? Schema { get; }

    public static async Task<StoreFixture> CreateAsync(StoreKind kind)
    {
        if (kind == StoreKind.Sqlite)
        {
            string directory = Path.Combine(Path.GetTempPath(), "rnncluster-tests", Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(directory);
            return new StoreFixture(kind, StoreOptions.Sqlite(Path.Combine(directory, "store.db")), directory, null);
        }

        string server = PostgresTestDatabase.ConnectionString
                        ?? throw new InvalidOperationException(PostgresTestDatabase.SkipReason);
        string schema = "rnncluster_test_" + Guid.NewGuid().ToString("N");
        await using (var admin = new NpgsqlConnection(server))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE SCHEMA \"{schema}\"", admin);
            await create.ExecuteNonQueryAsync();
        }
        var inSchema = new NpgsqlConnectionStringBuilder(server) { SearchPath = schema };
        return new StoreFixture(kind, StoreOptions.Postgres(inSchema.ConnectionString), null, schema);
    }

    /// <summary>The parameters of the run's newest checkpoint, read back through <see cref="CheckpointStore"/>.</summary>
    public async Task<byte[]> FinalParameterBytes(string runId)
    {
        await using var store = await CheckpointStore.OpenAsync(Options);
        var loaded = await store.LoadAsync(runId);
        return FloatBytes.From(loaded.Checkpoint.Parameters);
    }

    /// <summary>A plain ADO.NET connection to the store, for looking at the rows the plugin wrote.</summary>
    public async Task<DbConnection> OpenConnectionAsync()
    {
        DbConnection connection = Kind == StoreKind.Sqlite ? new SqliteConnection(Options.ConnectionString) : new NpgsqlConnection(Options.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    public async ValueTask DisposeAsync()
    {
        if (Kind == StoreKind.Sqlite)
        {
            SqliteConnection.ClearAllPools();
            try { Directory.Delete(_directory!, recursive: true); } catch (IOException) { }
            return;
        }
        await using (var pooled = new NpgsqlConnection(Options.ConnectionString))
            NpgsqlConnection.ClearPool(pooled);
        await using var admin = new NpgsqlConnection(PostgresTestDatabase.ConnectionString);
        await admin.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP SCHEMA IF EXISTS \"{Schema}\" CASCADE", admin);
        await drop.ExecuteNonQueryAsync();
    }
}

/// <summary>The PostgreSQL server of the PostgreSQL variants, named by an environment variable.</summary>
internal static class PostgresTestDatabase
{
    public const string Variable = "RNNCLUSTER_TEST_POSTGRES";

    /// <summary>The Npgsql connection string, or null when the variable is unset or blank.</summary>
    public static string? ConnectionString =>
        Environment.GetEnvironmentVariable(Variable) is { } value && !string.IsNullOrWhiteSpace(value) ? value : null;

    public const string SkipReason =
        $"PostgreSQL variant: set {Variable} to an Npgsql connection string to run it, e.g. " +
        $"{Variable}='Host=127.0.0.1;Port=5432;Username=rnncluster;Password=rnncluster;Database=rnncluster'";
}
