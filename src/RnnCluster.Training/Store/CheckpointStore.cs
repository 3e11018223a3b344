using Akka.Actor;
using Akka.Hosting;
using Akka.Persistence;
using Akka.Persistence.Query;
using Akka.Persistence.Sql.Hosting;
using Akka.Persistence.Sql.Query;
using Akka.Streams;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using RnnCluster.Core.Checkpoints;
using RnnCluster.Training.Node;
using RnnCluster.Training.ParameterServer;
using RnnCluster.Training.Wire;

namespace RnnCluster.Training.Store;

/// <summary>
/// Read-only access to a store outside a training run (generate, checkpoints list/export, tests):
/// a small actor system with the same serializer and persistence plugin as the nodes, reading the
/// journal through Akka.Persistence.Query and snapshots through the snapshot store.
/// </summary>
public sealed class CheckpointStore : IAsyncDisposable
{
    private static readonly TimeSpan Timeout = ParameterServer.ParameterServerSettings.Default.StoreTimeout;
    // All null for a store that does not exist yet (read-only open): it holds no runs.
    private readonly IHost? _host;
    private readonly ActorSystem? _system;
    private readonly SqlReadJournal? _journal;
    private readonly SnapshotLoader? _snapshots;

    private CheckpointStore(IHost? host, ActorSystem? system)
    {
        _host = host;
        _system = system;
        if (system is null)
            return;
        _journal = PersistenceQuery.Get(system).ReadJournalFor<SqlReadJournal>(SqlReadJournal.Identifier);
        _snapshots = new SnapshotLoader(system);
    }

    public StoreOptions Store { get; private init; } = null!;

    /// <param name="readOnly">
    /// For checks made before a run starts, which must leave no trace: a SQLite file that does not
    /// exist is not created, nor are missing tables; either reads as a store without runs. Without
    /// it the tables are created, as a node creates them.
    /// </param>
    public static async Task<CheckpointStore> OpenAsync(StoreOptions store, bool readOnly = false)
    {
        if (readOnly && store.IsSqlite && !File.Exists(new SqliteConnectionStringBuilder(store.ConnectionString).DataSource))
            return new CheckpointStore(null, null) { Store = store };
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        // No signal handlers (console lifetime, Akka's CLR shutdown hook): its owner disposes the
        // store, and Ctrl+C during a check before a run belongs to the CLI's graceful stop.
        builder.Services.AddSingleton<IHostLifetime, CallerOwnedLifetime>();
        builder.Services.AddAkka(RnnClusterHosting.SystemName + "-store", akka =>
        {
            akka.WithRnnClusterSerialization(serializeAllMessages: false);
            // Same plugin as WithRnnClusterStore, minus its table creation.
            if (readOnly)
                akka.WithSqlPersistence(store.ConnectionString, store.ProviderName, autoInitialize: false);
            else
                akka.WithRnnClusterStore(store);
            // A read-only open answers through its results and exceptions: Akka's own ERROR line
            // for a missing table would be a second, misleading message about an empty store.
            akka.AddHocon((readOnly ? "akka.loglevel = OFF\nakka.stdout-loglevel = OFF" : "akka.loglevel = ERROR\nakka.stdout-loglevel = ERROR")
                + "\nakka.coordinated-shutdown.run-by-clr-shutdown-hook = off", HoconAddMode.Prepend);
        });
        var host = builder.Build();
        await host.StartAsync();
        var system = host.Services.GetRequiredService<ActorSystem>();
        // The read journal's constructor waits a hard-coded 5 s for the write journal to be
        // initialized and throws after that; on a busy host start-up can take longer. The write
        // journal holds back every request until it is initialized, so an empty replay answered
        // means it is, and the store waits for that with its own timeout.
        var initialized = await Akka.Persistence.Persistence.Instance.Apply(system).JournalFor(null)
            .Ask<object>((IActorRef replyTo) => new ReplayMessages(0, 0, 0, "rnncluster-store-probe", replyTo), Timeout, CancellationToken.None);
        if (initialized is ReplayMessagesFailure failure)
        {
            if (readOnly && IsMissingTable(failure.Cause))
            {
                await host.StopAsync();
                host.Dispose();
                return new CheckpointStore(null, null) { Store = store };
            }
            throw new CheckpointStoreException($"The store cannot be read: {failure.Cause.Message}");
        }
        return new CheckpointStore(host, system) { Store = store };
    }

    /// <summary>SQLite's "no such table" or PostgreSQL's undefined_table, however deep the plugin wrapped it.</summary>
    private static bool IsMissingTable(Exception cause)
    {
        for (var e = cause; e is not null; e = e.InnerException)
        {
            if (e is SqliteException { SqliteErrorCode: 1 } sqlite && sqlite.Message.Contains("no such table", StringComparison.Ordinal))
                return true;
            if (e is PostgresException { SqlState: PostgresErrorCodes.UndefinedTable })
                return true;
            if (e is AggregateException aggregate && aggregate.InnerExceptions.Any(IsMissingTable))
                return true;
        }
        return false;
    }

    public async Task<IReadOnlyList<string>> ListRunsAsync()
    {
        if (_journal is null)
            return [];
        var ids = await _journal.CurrentPersistenceIds().RunAggregate(new List<string>(), (list, id) => { list.Add(id); return list; }, _system!.Materializer());
        return ids.Where(id => id.StartsWith(PersistenceIds.RunPrefix, StringComparison.Ordinal))
            .Select(id => id[PersistenceIds.RunPrefix.Length..]).Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>The run's journal: null when the store has no such run.</summary>
    public async Task<RunRecord?> ReadRunAsync(string runId)
    {
        if (_journal is null)
            return null;
        var events = await _journal.CurrentEventsByPersistenceId(PersistenceIds.ForRun(runId), 0, long.MaxValue)
            .RunAggregate(new List<(long Seq, object Event)>(), (list, e) => { list.Add((e.SequenceNr, e.Event)); return list; }, _system!.Materializer());
        var created = events.Select(e => e.Event).OfType<RunCreated>().FirstOrDefault();
        if (created is null)
            return null;
        var entries = new List<CheckpointEntry>();
        foreach (var (seq, e) in events)
        {
            if (e is not CheckpointRecorded recorded)
                continue;
            var probe = await _snapshots!.LoadAsync(PersistenceIds.ForRun(runId), seq, Timeout);
            bool available = probe.Failure is not null || probe.Metadata?.SequenceNr == seq;
            entries.Add(new CheckpointEntry(recorded.Step, seq, DateTimeOffset.FromUnixTimeMilliseconds(recorded.CreatedAtUnixMs), available));
        }
        return new RunRecord(runId, created.Definition, DateTimeOffset.FromUnixTimeMilliseconds(created.CreatedAtUnixMs), entries, created.Checkpoints);
    }

    /// <summary>
    /// The newest readable checkpoint of a run (or the one of <paramref name="step"/>). A corrupt
    /// newer one is skipped and named in <see cref="StoredCheckpoint.Skipped"/>; a corrupt
    /// requested one is an error.
    /// </summary>
    public async Task<StoredCheckpoint> LoadAsync(string runId, long? step = null)
    {
        var run = await ReadRunAsync(runId) ?? throw new CheckpointStoreException($"There is no run '{runId}' in {Store.Describe()}.");
        var candidates = run.Checkpoints.Where(c => c.Available && (step is null || c.Step == step)).OrderByDescending(c => c.SequenceNr).ToList();
        if (candidates.Count == 0)
            throw new CheckpointStoreException(step is null
                ? $"Run '{runId}' has no checkpoint yet."
                : $"Run '{runId}' has no checkpoint of step {step}; stored steps: {string.Join(", ", run.Checkpoints.Where(c => c.Available).Select(c => c.Step))}.");
        var skipped = new List<string>();
        foreach (var candidate in candidates)
        {
            var result = await _snapshots!.LoadAsync(PersistenceIds.ForRun(runId), candidate.SequenceNr, Timeout);
            string? problem = null;
            if (result.Failure is not null)
                problem = $"checkpoint of step {candidate.Step} is unreadable: {result.Failure.GetBaseException().Message}";
            else if (result.Snapshot is not ParameterServerSnapshot snapshot || result.Metadata!.SequenceNr != candidate.SequenceNr)
                problem = $"checkpoint of step {candidate.Step} is missing";
            else
            {
                try
                {
                    return new StoredCheckpoint(CheckpointFormat.Deserialize(snapshot.Checkpoint), snapshot.History, candidate.SequenceNr, skipped);
                }
                catch (CheckpointException e)
                {
                    problem = $"checkpoint of step {candidate.Step} is corrupt: {e.Message}";
                }
            }
            if (step is not null)
                throw new CheckpointStoreException($"Run '{runId}': {problem}.");
            skipped.Add(problem);
        }
        throw new CheckpointStoreException($"Run '{runId}' has no readable checkpoint: {string.Join("; ", skipped)}.");
    }

    /// <summary>
    /// Creates run <paramref name="runId"/> from a checkpoint made elsewhere (an import), as if its
    /// parameter server had saved it: a later <c>--resume</c> continues from it. The store must
    /// have been opened writable; an existing run id is refused.
    /// </summary>
    public async Task ImportAsync(string runId, RunDefinition definition, Checkpoint checkpoint)
    {
        if (_system is null)
            throw new InvalidOperationException("An import needs a store opened for writing.");
        var created = new RunCreated(runId, definition, checkpoint.Metadata.CreatedAtUnixMs ?? DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        var snapshot = new ParameterServerSnapshot(CheckpointFormat.Serialize(checkpoint), TrainingHistory.Empty);
        var done = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        _system.ActorOf(RunImporter.Props(runId, created, checkpoint.Step, snapshot, done), "run-importer");
        if (await done.Task.WaitAsync(Timeout) is { } problem)
            throw new CheckpointStoreException(problem);
    }

    public async ValueTask DisposeAsync()
    {
        if (_host is null)
            return;
        await _host.StopAsync();
        _host.Dispose();
    }
}
