using System.Text;
using RnnCluster.Core.Checkpoints;
using RnnCluster.Core.Model;
using RnnCluster.Core.Optim;
using RnnCluster.Training.ParameterServer;
using RnnCluster.Training.Tests.Wire;
using RnnCluster.Training.Wire;
using Xunit.Abstractions;

namespace RnnCluster.Training.Tests.Store;

/// <summary>
/// What the parameter server leaves in the store, read with plain SQL (Microsoft.Data.Sqlite,
/// Npgsql): every snapshot and journal row carries the MessagePack serializer's id and a "Name.v1"
/// manifest, and a snapshot's checkpoint is stored as raw bytes (≈ 4 bytes per float), neither
/// JSON nor one MessagePack float per value (5 bytes).
/// </summary>
/// <remarks>
/// Akka.Persistence.Sql (table-mapping "default", auto-initialize on) creates the same three
/// tables in SQLite and in PostgreSQL (there in the first schema of the search path):
/// <code>
/// journal (ordering, created, deleted, persistence_id, sequence_number, message, manifest, identifier, writer_uuid)
///          message = the event's bytes, identifier = serializer id, manifest = the string manifest
/// snapshot(persistence_id, sequence_number, created, snapshot, manifest, serializer_id)
///          snapshot = the snapshot's bytes
/// tags    (ordering_id, tag, sequence_nr, persistence_id)      — unused by RnnCluster
/// </code>
/// </remarks>
public sealed class SnapshotRowTests(CompletedRuns runs, ITestOutputHelper output) : IClassFixture<CompletedRuns>
{
    private static readonly Dictionary<string, string[]> ExpectedTables = new()
    {
        ["journal"] = ["ordering", "created", "deleted", "persistence_id", "sequence_number", "message", "manifest", "identifier", "writer_uuid"],
        ["snapshot"] = ["persistence_id", "sequence_number", "created", "snapshot", "manifest", "serializer_id"],
        ["tags"] = ["ordering_id", "tag", "sequence_nr", "persistence_id"],
    };

    [Theory]
    [StoreData(StoreKind.Sqlite)]
    [StoreData(StoreKind.Postgres)]
    public async Task The_plugin_created_the_default_tables(StoreKind kind)
    {
        var run = await runs.Get(kind);

        var tables = await run.Store.TablesAsync();

        Assert.Equal(ExpectedTables.Keys.Order(StringComparer.Ordinal), tables.Keys);
        foreach (var (table, columns) in ExpectedTables)
            Assert.Equal(columns.Order(StringComparer.Ordinal), tables[table].Order(StringComparer.Ordinal));
    }

    [Theory]
    [StoreData(StoreKind.Sqlite)]
    [StoreData(StoreKind.Postgres)]
    public async Task Snapshot_rows_are_messagepack_checkpoints_of_raw_floats(StoreKind kind)
    {
        var run = await runs.Get(kind);
        var fixture = run.Fixture;
        string persistenceId = PersistenceIds.ForRun(fixture.RunId);
        int parameters = new ParameterLayout(fixture.Model).TotalSize;
        int optimizerState = Optimizer.StateSizeFor(fixture.Settings.Optimizer, parameters);
        Assert.Equal(2 * parameters, optimizerState); // Adam: first and second moments
        long floatBytes = 4L * (parameters + optimizerState);

        var rows = await run.Store.SnapshotRowsAsync(persistenceId);
        var recorded = (await run.Store.JournalRowsAsync(persistenceId)).Where(r => r.Manifest == "CheckpointRecorded.v1")
            .ToDictionary(r => r.SequenceNr, r => (CheckpointRecorded)MessagePackMessageSerializer.Deserialize(r.Payload, r.Manifest));

        // Checkpoints every 2 of 6 steps, 3 kept: steps 2, 4 and 6, each at its CheckpointRecorded event.
        Assert.Equal(3, rows.Count);
        Assert.Equal(recorded.Keys.Order(), rows.Select(r => r.SequenceNr));
        foreach (var row in rows)
        {
            Assert.Equal(persistenceId, row.PersistenceId);
            Assert.Equal(MessagePackMessageSerializer.SerializerId, row.SerializerId);
            Assert.Equal(471_100, row.SerializerId);
            Assert.Equal("ParameterServerSnapshot.v1", row.Manifest);

            byte[] payload = row.Payload;
            Assert.True(IsArrayOrMapMarker(payload[0]), $"snapshot at {row.SequenceNr} starts with 0x{payload[0]:x2}, not a MessagePack array or map");
            Assert.NotEqual((byte)'{', payload[0]);
            int magic = payload.AsSpan().IndexOf(CheckpointFormat.Magic);
            Assert.InRange(magic, 1, 16); // right after the array header and the bin header
            double text = PrintableAsciiFraction(payload);
            output.WriteLine($"seq {row.SequenceNr}: {payload.Length} bytes for {parameters} parameters + {optimizerState} optimizer values ({floatBytes} bytes), " +
                             $"magic at {magic}, {text:P1} printable ASCII");
            Assert.True(text < 0.75, $"snapshot at {row.SequenceNr} is {text:P0} printable ASCII: text, not binary");
            // 4 bytes per float plus the checkpoint's header (run id, vocabulary, settings), the loss
            // history and MessagePack framing: a few hundred bytes. One MessagePack float32 per value would be 5 bytes.
            Assert.InRange(payload.Length, floatBytes, floatBytes + 4096);
            Assert.True(payload.Length < 4.5 * (parameters + optimizerState), $"{payload.Length} bytes for {parameters + optimizerState} floats");

            var snapshot = Assert.IsType<ParameterServerSnapshot>(MessagePackMessageSerializer.Deserialize(payload, row.Manifest));
            var checkpoint = CheckpointFormat.Deserialize(snapshot.Checkpoint);
            Assert.Equal(recorded[row.SequenceNr].Step, checkpoint.Step);
            Assert.Equal(fixture.RunId, checkpoint.RunId);
            Assert.Equal(parameters, checkpoint.Parameters.Length);
            Assert.Equal(optimizerState, checkpoint.OptimizerState.Length);
            Assert.Equal(checkpoint.Step, FloatBytes.View(snapshot.History.TrainLosses).Length);
        }
        Assert.Equal([2L, 4L, 6L], recorded.Values.Select(r => r.Step).Order());
    }

    [Theory]
    [StoreData(StoreKind.Sqlite)]
    [StoreData(StoreKind.Postgres)]
    public async Task Journal_rows_are_messagepack_events(StoreKind kind)
    {
        var run = await runs.Get(kind);
        string persistenceId = PersistenceIds.ForRun(run.Fixture.RunId);

        var rows = await run.Store.JournalRowsAsync(persistenceId);

        Assert.Equal(Enumerable.Range(1, rows.Count).Select(i => (long)i), rows.Select(r => r.SequenceNr));
        Assert.Equal(["RunCreated.v1", "CheckpointRecorded.v1", "CheckpointRecorded.v1", "CheckpointRecorded.v1"], rows.Select(r => r.Manifest));
        foreach (var row in rows)
        {
            Assert.Equal(MessagePackMessageSerializer.SerializerId, row.SerializerId);
            Assert.False(row.Deleted);
            // A fixarray of the record's keys: RunCreated's four (with its checkpoint policy), the others' three.
            Assert.Equal(row.Manifest == "RunCreated.v1" ? 0x94 : 0x93, row.Payload[0]);
            var message = Assert.IsAssignableFrom<IRunMessage>(MessagePackMessageSerializer.Deserialize(row.Payload, row.Manifest));
            Assert.Equal(run.Fixture.RunId, message.RunId);
        }
        var created = (RunCreated)MessagePackMessageSerializer.Deserialize(rows[0].Payload, rows[0].Manifest);
        Assert.Null(run.Fixture.Definition.FirstDifference(created.Definition));
        Assert.NotNull(created.Checkpoints);
        Assert.Null(Structural.FirstDifference(run.Fixture.Definition, created.Definition));
    }

    /// <summary>fixmap, fixarray, array 16/32, map 16/32.</summary>
    private static bool IsArrayOrMapMarker(byte b) => b is >= 0x80 and <= 0x9f or 0xdc or 0xdd or 0xde or 0xdf;

    private static double PrintableAsciiFraction(byte[] bytes) =>
        (double)bytes.Count(b => b is >= 0x20 and < 0x7f or (byte)'\n' or (byte)'\r' or (byte)'\t') / bytes.Length;
}
