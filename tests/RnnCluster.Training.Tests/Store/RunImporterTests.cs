using RnnCluster.Core.Checkpoints;
using RnnCluster.Core.Model;
using RnnCluster.Core.Optim;
using RnnCluster.Training.Store;
using RnnCluster.Training.Tests.Support;

namespace RnnCluster.Training.Tests.Store;

/// <summary>
/// An imported run (`rnncluster import`) is written as the parameter server writes one: the store
/// reads it back as an ordinary run with one checkpoint, and a second import of the id is refused.
/// </summary>
public sealed class RunImporterTests
{
    [Theory]
    [StoreData(StoreKind.Sqlite)]
    [StoreData(StoreKind.Postgres)]
    public async Task An_imported_run_reads_back_as_a_run_with_its_checkpoint_and_its_id_is_then_taken(StoreKind kind)
    {
        await using var fixture = await StoreFixture.CreateAsync(kind);
        var run = new RunFixture("imported");
        var parameters = ParameterInitializer.Create(new ParameterLayout(run.Model), 77);
        var checkpoint = new Checkpoint(run.RunId, 40, run.Model, run.Tokenizer.Vocabulary, run.Settings, parameters,
            new float[Optimizer.StateSizeFor(run.Settings.Optimizer, parameters.Length)], new CheckpointMetadata(null, 1_700_000_000_000));

        await using (var store = await CheckpointStore.OpenAsync(fixture.Options))
            await store.ImportAsync(run.RunId, run.Definition, checkpoint);

        await using (var reader = await CheckpointStore.OpenAsync(fixture.Options, readOnly: true))
        {
            var record = await reader.ReadRunAsync(run.RunId);
            Assert.NotNull(record);
            Assert.Null(record.Definition.FirstDifference(run.Definition));
            Assert.Equal([40L], record.Checkpoints.Select(c => c.Step));
            var loaded = await reader.LoadAsync(run.RunId);
            Assert.Equal(parameters, loaded.Checkpoint.Parameters);
            Assert.Equal(40, loaded.Checkpoint.Step);
        }

        await using (var store = await CheckpointStore.OpenAsync(fixture.Options))
        {
            var refused = await Assert.ThrowsAsync<CheckpointStoreException>(() => store.ImportAsync(run.RunId, run.Definition, checkpoint));
            Assert.Contains("run 'imported' already exists", refused.Message, StringComparison.Ordinal);
        }
    }
}
