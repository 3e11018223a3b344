using System.Collections.Concurrent;
using RnnCluster.Training.Node;
using RnnCluster.Training.Tests.Support;

namespace RnnCluster.Training.Tests.Store;

/// <summary>A finished short run in a fresh store.</summary>
internal sealed record CompletedRun(RunFixture Fixture, StoreFixture Store);

/// <summary>
/// One short run per store kind, shared by the tests of a class that only read the store
/// afterwards; started on first use (so skipped PostgreSQL cases never touch a server), removed
/// when the class is done.
/// </summary>
public sealed class CompletedRuns : IAsyncLifetime
{
    private readonly ConcurrentDictionary<StoreKind, Lazy<Task<CompletedRun>>> _runs = new();

    internal Task<CompletedRun> Get(StoreKind kind) =>
        _runs.GetOrAdd(kind, k => new Lazy<Task<CompletedRun>>(() => RunAsync(k))).Value;

    private static async Task<CompletedRun> RunAsync(StoreKind kind)
    {
        var fixture = new RunFixture($"rows-{kind}".ToLowerInvariant(), steps: 6);
        var store = await StoreFixture.CreateAsync(kind);
        try
        {
            var request = fixture.Request(fixture.Steps, checkpointEvery: 2, keep: 3, minWorkers: 2);
            var (ended, outcome) = await TrainingSession.RunAsync(fixture.Session(store.Options, request, workers: 2));
            if (!ended.Success || outcome?.Steps != fixture.Steps)
                throw new RunFailedException($"the run in {kind} did not complete: {ended.Summary}");
            return new CompletedRun(fixture, store);
        }
        catch
        {
            await store.DisposeAsync();
            throw;
        }
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var run in _runs.Values.Where(r => r.IsValueCreated && r.Value.IsCompletedSuccessfully))
            await run.Value.Result.Store.DisposeAsync();
    }

    private sealed class RunFailedException(string message) : Exception(message);
}
