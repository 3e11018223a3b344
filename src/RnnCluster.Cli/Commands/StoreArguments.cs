using System.CommandLine;
using RnnCluster.Training.Node;

namespace RnnCluster.Cli.Commands;

/// <summary>--db FILE (SQLite, the default) or --connection STRING (PostgreSQL).</summary>
internal sealed class StoreArguments
{
    public const string DefaultDatabase = "rnncluster.db";

    public Option<string?> Db { get; } = new("--db") { Description = $"SQLite checkpoint store (default: {DefaultDatabase} in the current directory)" };

    public Option<string?> Connection { get; } = new("--connection")
    {
        Description = "PostgreSQL connection string (e.g. \"Host=db;Username=rnn;Password=…;Database=rnncluster\"); overrides --db",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(Db);
        command.Options.Add(Connection);
    }

    public StoreOptions Read(ParseResult result)
    {
        string? connection = result.GetValue(Connection) ?? Environment.GetEnvironmentVariable("RNNCLUSTER_CONNECTION");
        if (!string.IsNullOrWhiteSpace(connection))
            return StoreOptions.Postgres(connection);
        string path = result.GetValue(Db) ?? Environment.GetEnvironmentVariable("RNNCLUSTER_DB") ?? DefaultDatabase;
        string? directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null && !Directory.Exists(directory))
            throw new UsageException($"The directory of the database '{path}' does not exist.");
        return StoreOptions.Sqlite(path);
    }

    /// <summary>Where to put files that belong with the store (loss curves): next to the SQLite file, else the current directory.</summary>
    public static string OutputDirectory(StoreOptions store) =>
        store.IsSqlite
            ? Path.GetDirectoryName(store.ConnectionString.Split(';')[0]["Data Source=".Length..]) ?? "."
            : Directory.GetCurrentDirectory();
}
