using RnnCluster.Core.Model;
using RnnCluster.Core.Optim;
using RnnCluster.Training.Node;
using RnnCluster.Training.ParameterServer;
using RnnCluster.Training.Tests.Store;
using RnnCluster.Training.Tests.Support;
using RnnCluster.Training.Worker;
using Xunit.Abstractions;

namespace RnnCluster.Training.Tests.Session;

/// <summary>
/// A run whose parameters several shards hold (--ps-shards) gives the reference bytes for any
/// shard and worker count, and its checkpoints are those of an unsharded run: it resumes with
/// another shard count, or none.
/// </summary>
public sealed class ShardedSessionTests(ITestOutputHelper output)
{
    /// <summary>Hidden 160: ≈ 320,000 parameters, five norm blocks, so that four shards hold different ranges.</summary>
    private static RunFixture Fixture(string runId, int steps = 6) => new(runId, steps: steps, hidden: 160);

    [Fact]
    public void The_fixture_has_room_for_four_shards() =>
        Assert.True(ShardRanges.MaxShards(new ParameterLayout(Fixture("size").Model).TotalSize) >= 4);

    [Theory]
    [InlineData(1, 3, false)]
    [InlineData(2, 1, false)]
    [InlineData(2, 3, false)]
    [InlineData(2, 8, false)]
    [InlineData(4, 1, false)]
    [InlineData(4, 3, true)]
    [InlineData(4, 8, false)]
    public Task Shards_and_workers_reproduce_the_reference_bytes(int shards, int workers, bool serialize) =>
        AssertReferenceBytes(Fixture($"shards-{shards}-{workers}-{serialize}"), shards, workers, serialize);

    [Fact]
    public Task A_straggler_backed_up_and_a_corrupt_gradient_refused_leave_a_sharded_run_s_bytes_unchanged() =>
        AssertReferenceBytes(Fixture("shards-faults"), shards: 2, workers: 3, faults: new Dictionary<int, WorkerFaults> { [1] = new(Slowdown: 3), [2] = new(CorruptAtStep: 2) });

    /// <summary>The whole run with <paramref name="shards"/> shards and <paramref name="workers"/> workers ends with the reference trainer's bytes.</summary>
    private async Task AssertReferenceBytes(RunFixture fixture, int shards, int workers, bool serialize = false, Dictionary<int, WorkerFaults>? faults = null)
    {
        await using var store = await StoreFixture.CreateAsync(StoreKind.Sqlite);
        var request = fixture.Request(fixture.Steps, minWorkers: workers, shards: shards);
        var (ended, outcome) = await TrainingSession.RunAsync(fixture.Session(store.Options, request, workers, serialize, faults));
        output.WriteLine(ended.Summary);
        Assert.True(ended.Success, ended.Summary);
        Assert.Equal(fixture.Steps, outcome!.Steps);
        Assert.Equal(fixture.ReferenceBytes(fixture.Steps), await store.FinalParameterBytes(fixture.RunId));
    }

    [Fact]
    public async Task Shards_that_do_not_start_in_time_refuse_the_run_with_the_setting_named()
    {
        var fixture = Fixture("shards-late");
        await using var store = await StoreFixture.CreateAsync(StoreKind.Sqlite);
        var settings = RnnClusterSettings.Default with { ParameterServer = ParameterServerSettings.Default with { ShardStartTimeout = TimeSpan.Zero } };
        var session = fixture.Session(store.Options, fixture.Request(fixture.Steps, minWorkers: 1, shards: 2), workers: 1) with { Settings = settings };
        var (ended, _) = await TrainingSession.RunAsync(session);
        output.WriteLine(ended.Summary);
        Assert.False(ended.Success);
        Assert.Contains("parameter-server shards did not start within 0 s (parameter-server:shard-start-timeout)", ended.Summary);
    }

    [Fact]
    public async Task A_sharded_run_resumes_with_another_shard_count_and_gives_the_straight_run_bytes()
    {
        var fixture = Fixture("shards-resume", steps: 6);
        await using var store = await StoreFixture.CreateAsync(StoreKind.Sqlite);
        var (first, _) = await TrainingSession.RunAsync(fixture.Session(store.Options, fixture.Request(3, minWorkers: 2, shards: 4), workers: 2));
        Assert.True(first.Success, first.Summary);
        Assert.Equal(fixture.ReferenceBytes(3), await store.FinalParameterBytes(fixture.RunId));

        var (second, _) = await TrainingSession.RunAsync(fixture.Session(store.Options, fixture.Request(5, resume: true, minWorkers: 2, shards: 2), workers: 2));
        Assert.True(second.Success, second.Summary);
        var (third, outcome) = await TrainingSession.RunAsync(fixture.Session(store.Options, fixture.Request(6, resume: true, minWorkers: 3), workers: 3));
        output.WriteLine(third.Summary);
        Assert.True(third.Success, third.Summary);
        Assert.Equal(6, outcome!.Steps);
        Assert.Equal(fixture.ReferenceBytes(6), await store.FinalParameterBytes(fixture.RunId));
    }
}
