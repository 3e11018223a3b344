using System.Data.Common;
using Microsoft.Data.Sqlite;
using RnnCluster.Core.Data;
using RnnCluster.Training.Node;
using RnnCluster.Training.ParameterServer;
using RnnCluster.Training.Store;
using RnnCluster.Training.Tests.Store;
using RnnCluster.Training.Tests.Support;
using RnnCluster.Training.Wire;
using RnnCluster.Training.Worker;
using Xunit.Abstractions;

namespace RnnCluster.Training.Tests.Session;

/// <summary>Stop/resume, lost workers, poisoned gradients and a corrupt checkpoint row: the bytes never change.</summary>
public sealed class ResumeAndFaultTests(ITestOutputHelper output)
{
    [Theory]
    [StoreData(StoreKind.Sqlite)]
    [StoreData(StoreKind.Postgres)]
    public async Task Train_half_stop_resume_gives_the_straight_run_bytes(StoreKind kind)
    {
        var fixture = new RunFixture($"resume-half-{kind}", steps: 8);
        await using var store = await StoreFixture.CreateAsync(kind);
        var (first, _) = await TrainingSession.RunAsync(fixture.Session(store.Options, fixture.Request(4, minWorkers: 2), workers: 2));
        Assert.True(first.Success, first.Summary);
        Assert.Equal(fixture.ReferenceBytes(4), await store.FinalParameterBytes(fixture.RunId));

        var (second, outcome) = await TrainingSession.RunAsync(fixture.Session(store.Options, fixture.Request(8, resume: true, minWorkers: 3), workers: 3));
        output.WriteLine(second.Summary);
        Assert.True(second.Success, second.Summary);
        Assert.Equal(8, outcome!.Steps);
        Assert.Equal(fixture.ReferenceBytes(8), await store.FinalParameterBytes(fixture.RunId));
    }

    [Fact]
    public async Task Resuming_a_run_already_at_its_target_step_finishes_at_once_with_its_bytes()
    {
        var fixture = new RunFixture("resume-at-target", steps: 4);
        await using var store = await StoreFixture.CreateAsync(StoreKind.Sqlite);
        var (first, _) = await TrainingSession.RunAsync(fixture.Session(store.Options, fixture.Request(4), workers: 2));
        Assert.True(first.Success, first.Summary);

        // The final checkpoint is of step 4 already: nothing to train, nothing new to save; the
        // final validation needs parameters that no worker has asked for yet.
        var (again, outcome) = await TrainingSession.RunAsync(fixture.Session(store.Options, fixture.Request(4, resume: true), workers: 2));
        output.WriteLine(again.Summary);
        Assert.True(again.Success, again.Summary);
        Assert.Equal(4, outcome!.Steps);
        Assert.StartsWith("finished at step 4", again.Summary, StringComparison.Ordinal);
        Assert.NotNull(outcome.ValidationLoss);
        Assert.Equal(fixture.ReferenceBytes(4), await store.FinalParameterBytes(fixture.RunId));
    }

    [Fact]
    public async Task A_worker_crashing_mid_step_changes_nothing()
    {
        const StoreKind kind = StoreKind.Sqlite;
        // M = 8 over 3 workers: worker 1 holds [2,5) = sub-trees [2,4) and [4,5); it sends [2,4) and dies.
        var fixture = new RunFixture("crash", steps: 6);
        await using var store = await StoreFixture.CreateAsync(kind);
        var faults = new Dictionary<int, WorkerFaults> { [1] = new(CrashAtStep: 3) };
        var progress = new List<string>();
        var session = fixture.Session(store.Options, fixture.Request(6, minWorkers: 3), workers: 3, faults: faults) with
        {
            OnProgress = p => { if (p.Event is not null) lock (progress) progress.Add(p.Event); },
        };
        var (ended, _) = await TrainingSession.RunAsync(session);
        output.WriteLine(string.Join("\n", progress));
        Assert.True(ended.Success, ended.Summary);
        Assert.Contains(progress, e => e.Contains("worker w1 lost", StringComparison.Ordinal));
        Assert.Equal(fixture.ReferenceBytes(6), await store.FinalParameterBytes(fixture.RunId));
    }

    [Fact]
    public async Task A_NaN_gradient_is_refused_and_recomputed()
    {
        const StoreKind kind = StoreKind.Sqlite;
        var fixture = new RunFixture("nan", steps: 5);
        await using var store = await StoreFixture.CreateAsync(kind);
        var faults = new Dictionary<int, WorkerFaults> { [0] = new(CorruptAtStep: 2) };
        var (ended, _) = await TrainingSession.RunAsync(fixture.Session(store.Options, fixture.Request(5, minWorkers: 2), workers: 2, faults: faults));
        Assert.True(ended.Success, ended.Summary);
        Assert.Equal(fixture.ReferenceBytes(5), await store.FinalParameterBytes(fixture.RunId));
    }

    [Fact]
    public async Task A_diverging_run_fails_clearly_and_keeps_its_last_good_checkpoint()
    {
        const StoreKind kind = StoreKind.Sqlite;
        var fixture = new RunFixture("diverge", steps: 40, lr: 3e37f); // |Δp| ≈ lr per Adam step: ∞ after about 11 steps
        await using var store = await StoreFixture.CreateAsync(kind);
        var (ended, _) = await TrainingSession.RunAsync(fixture.Session(store.Options, fixture.Request(40, checkpointEvery: 1, minWorkers: 2), workers: 2));
        output.WriteLine(ended.Summary);
        Assert.False(ended.Success);
        Assert.Contains("diverged", ended.Summary, StringComparison.Ordinal);
        await using var reader = await CheckpointStore.OpenAsync(store.Options);
        var last = await reader.LoadAsync(fixture.RunId);
        Assert.True(last.Checkpoint.Step >= 1);
        Assert.True(Core.Kernels.FiniteCheck.All(last.Checkpoint.Parameters));
    }

    [Theory]
    [StoreData(StoreKind.Sqlite)]
    [StoreData(StoreKind.Postgres)]
    public async Task Resuming_an_unknown_run_is_refused(StoreKind kind)
    {
        var fixture = new RunFixture("never-created");
        await using var store = await StoreFixture.CreateAsync(kind);
        var (ended, _) = await TrainingSession.RunAsync(fixture.Session(store.Options, fixture.Request(4, resume: true), workers: 1));
        Assert.False(ended.Success);
        Assert.Contains("there is no run 'never-created'", ended.Summary, StringComparison.Ordinal);
    }

    [Theory]
    [StoreData(StoreKind.Sqlite)]
    [StoreData(StoreKind.Postgres)]
    public async Task Resuming_with_a_changed_model_is_refused_and_names_the_difference(StoreKind kind)
    {
        var fixture = new RunFixture("shape", steps: 2);
        await using var store = await StoreFixture.CreateAsync(kind);
        var (first, _) = await TrainingSession.RunAsync(fixture.Session(store.Options, fixture.Request(2), workers: 1));
        Assert.True(first.Success, first.Summary);
        var before = await store.FinalParameterBytes(fixture.RunId);

        var changed = fixture.Request(4, resume: true) with
        {
            Definition = fixture.Definition with { Model = fixture.Definition.Model with { Hidden = 32 } },
        };
        var (second, _) = await TrainingSession.RunAsync(fixture.Session(store.Options, changed, workers: 1));
        output.WriteLine(second.Summary);
        Assert.False(second.Success);
        Assert.Contains("hidden 24 vs 32", second.Summary, StringComparison.Ordinal);
        Assert.Equal(before, await store.FinalParameterBytes(fixture.RunId)); // nothing lost or overwritten
    }

    [Theory]
    [StoreData(StoreKind.Sqlite)]
    [StoreData(StoreKind.Postgres)]
    public async Task A_new_run_with_an_existing_id_is_refused_without_touching_it(StoreKind kind)
    {
        var fixture = new RunFixture("taken", steps: 2);
        await using var store = await StoreFixture.CreateAsync(kind);
        var (first, _) = await TrainingSession.RunAsync(fixture.Session(store.Options, fixture.Request(2), workers: 1));
        Assert.True(first.Success, first.Summary);
        var before = await store.FinalParameterBytes(fixture.RunId);
        var (second, _) = await TrainingSession.RunAsync(fixture.Session(store.Options, fixture.Request(4), workers: 1));
        Assert.False(second.Success);
        Assert.Contains("already exists", second.Summary, StringComparison.Ordinal);
        Assert.Equal(before, await store.FinalParameterBytes(fixture.RunId));
    }

    [Theory]
    [StoreData(StoreKind.Sqlite)]
    [StoreData(StoreKind.Postgres)]
    public async Task A_corrupt_newest_checkpoint_row_falls_back_to_the_previous_one(StoreKind kind)
    {
        var fixture = new RunFixture("corrupt", steps: 8);
        await using var store = await StoreFixture.CreateAsync(kind);
        var (first, _) = await TrainingSession.RunAsync(fixture.Session(store.Options, fixture.Request(6, checkpointEvery: 2), workers: 2));
        Assert.True(first.Success, first.Summary);

        // Flip bytes inside the parameters of the newest snapshot (step 6), as a disk fault would.
        SqliteConnection.ClearAllPools();
        await using (var connection = await store.OpenConnectionAsync())
        {
            await using var select = connection.CreateCommand();
            select.CommandText = "SELECT sequence_number, snapshot FROM snapshot WHERE persistence_id = @id ORDER BY sequence_number DESC LIMIT 1";
            AddParameter(select, "@id", PersistenceIds.ForRun(fixture.RunId));
            long seq;
            byte[] payload;
            await using (var reader = await select.ExecuteReaderAsync())
            {
                Assert.True(await reader.ReadAsync());
                seq = reader.GetInt64(0);
                payload = (byte[])reader[1];
            }
            for (int i = payload.Length / 2; i < payload.Length / 2 + 16; i++)
                payload[i] ^= 0x5A;
            await using var update = connection.CreateCommand();
            update.CommandText = "UPDATE snapshot SET snapshot = @p WHERE persistence_id = @id AND sequence_number = @seq";
            AddParameter(update, "@p", payload);
            AddParameter(update, "@id", PersistenceIds.ForRun(fixture.RunId));
            AddParameter(update, "@seq", seq);
            Assert.Equal(1, await update.ExecuteNonQueryAsync());
        }
        SqliteConnection.ClearAllPools();

        await using (var reader = await CheckpointStore.OpenAsync(store.Options))
        {
            var loaded = await reader.LoadAsync(fixture.RunId);
            Assert.Equal(4, loaded.Checkpoint.Step);
            Assert.Contains(loaded.Skipped, s => s.Contains("step 6", StringComparison.Ordinal) && s.Contains("checksum", StringComparison.Ordinal));
        }

        var (second, _) = await TrainingSession.RunAsync(fixture.Session(store.Options, fixture.Request(8, resume: true, checkpointEvery: 2), workers: 2));
        output.WriteLine(second.Summary);
        Assert.True(second.Success, second.Summary);
        Assert.Equal(fixture.ReferenceBytes(8), await store.FinalParameterBytes(fixture.RunId));
    }

    [Fact]
    public async Task Async_mode_converges_within_its_staleness_bound()
    {
        const StoreKind kind = StoreKind.Sqlite;
        var fixture = new RunFixture("async", microBatches: 4, mode: TrainingMode.Async, staleness: 1, lr: 1e-2f, dataset: BuiltInDatasets.Reber, constantLr: true);
        await using var store = await StoreFixture.CreateAsync(kind);
        var (ended, outcome) = await TrainingSession.RunAsync(fixture.Session(store.Options, fixture.Request(60, checkpointEvery: 0, minWorkers: 3), workers: 3));
        output.WriteLine(ended.Summary);
        Assert.True(ended.Success, ended.Summary);
        Assert.NotNull(outcome!.MaxStaleness);
        Assert.InRange(outcome.MaxStaleness!.Value, 0, 1);
        Assert.True(outcome.TrainLoss < 1.0, $"train loss {outcome.TrainLoss}");  // from ln(8) ≈ 2.08 at the start
    }

    private static void AddParameter(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }
}
