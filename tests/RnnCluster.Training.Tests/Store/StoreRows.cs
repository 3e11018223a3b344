using System.Data.Common;

namespace RnnCluster.Training.Tests.Store;

/// <summary>A snapshot-store row as Akka.Persistence.Sql wrote it.</summary>
internal sealed record SnapshotRow(string PersistenceId, long SequenceNr, int SerializerId, string Manifest, byte[] Payload);

/// <summary>A journal row as Akka.Persistence.Sql wrote it.</summary>
internal sealed record JournalRow(string PersistenceId, long SequenceNr, int SerializerId, string Manifest, byte[] Payload, bool Deleted);

/// <summary>
/// Raw reads of the store's tables with plain ADO.NET (Microsoft.Data.Sqlite or Npgsql), bypassing
/// Akka, to see exactly what the persistence plugin stored.
/// </summary>
internal static class StoreRows
{
    /// <summary>The store's tables and their columns (in declaration order), as the database describes them.</summary>
    public static async Task<IReadOnlyDictionary<string, IReadOnlyList<string>>> TablesAsync(this StoreFixture store)
    {
        await using var connection = await store.OpenConnectionAsync();
        var tables = new SortedDictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        if (store.Kind == StoreKind.Sqlite)
        {
            var names = await QueryAsync(connection, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
                r => r.GetString(0));
            foreach (var name in names)
                tables[name] = await QueryAsync(connection, "SELECT name FROM pragma_table_info(@table) ORDER BY cid", r => r.GetString(0), ("table", name));
        }
        else
        {
            var columns = await QueryAsync(connection,
                "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = @schema ORDER BY table_name, ordinal_position",
                r => (Table: r.GetString(0), Column: r.GetString(1)), ("schema", store.Schema!));
            foreach (var group in columns.GroupBy(c => c.Table))
                tables[group.Key] = group.Select(c => c.Column).ToList();
        }
        return tables;
    }

    /// <summary>Rows of the default-mapping snapshot table <c>snapshot</c>.</summary>
    public static async Task<IReadOnlyList<SnapshotRow>> SnapshotRowsAsync(this StoreFixture store, string persistenceId)
    {
        await using var connection = await store.OpenConnectionAsync();
        return await QueryAsync(connection,
            "SELECT persistence_id, sequence_number, serializer_id, manifest, snapshot FROM snapshot WHERE persistence_id = @id ORDER BY sequence_number",
            r => new SnapshotRow(r.GetString(0), r.GetInt64(1), Convert.ToInt32(r.GetValue(2)), r.GetString(3), (byte[])r.GetValue(4)),
            ("id", persistenceId));
    }

    /// <summary>Rows of the default-mapping journal table <c>journal</c>.</summary>
    public static async Task<IReadOnlyList<JournalRow>> JournalRowsAsync(this StoreFixture store, string persistenceId)
    {
        await using var connection = await store.OpenConnectionAsync();
        return await QueryAsync(connection,
            "SELECT persistence_id, sequence_number, identifier, manifest, message, deleted FROM journal WHERE persistence_id = @id ORDER BY sequence_number",
            r => new JournalRow(r.GetString(0), r.GetInt64(1), Convert.ToInt32(r.GetValue(2)), r.GetString(3), (byte[])r.GetValue(4), Convert.ToBoolean(r.GetValue(5))),
            ("id", persistenceId));
    }

    private static async Task<List<T>> QueryAsync<T>(DbConnection connection, string sql, Func<DbDataReader, T> read, params (string Name, object Value)[] parameters)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value;
            command.Parameters.Add(parameter);
        }
        var rows = new List<T>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            rows.Add(read(reader));
        return rows;
    }
}
