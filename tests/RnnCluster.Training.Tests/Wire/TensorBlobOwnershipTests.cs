using Akka.Actor;
using Akka.TestKit.Xunit2;
using RnnCluster.Training.Coordinator;
using RnnCluster.Training.Node;
using RnnCluster.Training.ParameterServer;
using RnnCluster.Training.Tests.Store;
using RnnCluster.Training.Tests.Support;
using RnnCluster.Training.Wire;
using RnnCluster.Training.Worker;

namespace RnnCluster.Training.Tests.Wire;

/// <summary>
/// Every tensor blob an actor system rents comes back: after a run — with or without forced
/// serialization, in async mode, with a worker crashing mid-share, with refused gradients — no
/// blob is outstanding once its actors have stopped.
/// </summary>
[Collection(nameof(TensorBlobAccounting))]
public sealed class TensorBlobOwnershipTests
{
    /// <summary>Waits (briefly: a compute thread may still be giving back its last blob) until the count is back at <paramref name="before"/>.</summary>
    private static async Task AssertNoneOutstanding(long before)
    {
        for (int i = 0; i < 50 && TensorBlob.Outstanding != before; i++)
            await Task.Delay(100);
        Assert.Equal(before, TensorBlob.Outstanding);
    }

    [Theory]
    [InlineData(3, false, TrainingMode.Sync)]
    [InlineData(3, true, TrainingMode.Sync)]
    [InlineData(2, true, TrainingMode.Async)]
    public async Task A_finished_run_leaves_no_blob_outstanding(int workers, bool serialize, TrainingMode mode)
    {
        long before = TensorBlob.Outstanding;
        var fixture = new RunFixture($"blobs-{workers}-{serialize}-{mode}", microBatches: 4, mode: mode, staleness: mode == TrainingMode.Async ? 2 : 0);
        await using (var store = await StoreFixture.CreateAsync(StoreKind.Sqlite))
        {
            var (ended, _) = await TrainingSession.RunAsync(fixture.Session(store.Options, fixture.Request(fixture.Steps, minWorkers: workers), workers, serialize));
            Assert.True(ended.Success, ended.Summary);
        }
        await AssertNoneOutstanding(before);
    }

    [Fact]
    public async Task A_worker_crashing_between_two_parts_of_its_share_leaves_no_blob_outstanding()
    {
        long before = TensorBlob.Outstanding;
        var fixture = new RunFixture("blobs-crash", microBatches: 8);
        await using (var store = await StoreFixture.CreateAsync(StoreKind.Sqlite))
        {
            var faults = new Dictionary<int, WorkerFaults> { [1] = new(CrashAtStep: 3) };
            var (ended, _) = await TrainingSession.RunAsync(fixture.Session(store.Options, fixture.Request(fixture.Steps, minWorkers: 3), 3, serialize: true, faults));
            Assert.True(ended.Success, ended.Summary);
        }
        await AssertNoneOutstanding(before);
    }

    [Fact]
    public async Task Refused_and_duplicate_gradients_and_parameters_for_nobody_leave_no_blob_outstanding()
    {
        long before = TensorBlob.Outstanding;
        var fixture = new RunFixture("blobs-refused", microBatches: 4);
        using (var kit = new TestKit(ActorTestConfig.InMemoryPersistence + "\n" + MessagePackMessageSerializer.BindingHocon + "\nrnncluster.serialize-messages = on"))
        {
            var server = kit.Sys.ActorOf(ParameterServerRouter.Props(ParameterServerSettings.Default), "ps");
            var coordinator = kit.CreateTestProbe();
            server.Tell(new BeginRun(fixture.RunId, fixture.Definition, false, 10, new CheckpointPolicy(0, 2)), coordinator.Ref);
            coordinator.ExpectMsg<RunReady>(TimeSpan.FromSeconds(20));
            server.Tell(new GradientComputed(fixture.RunId, 0, 0, 4, fixture.Filled(float.NaN), 1, 16, "nan", 0));
            coordinator.ExpectMsg<GradientRefused>();
            server.Tell(new GradientComputed(fixture.RunId, 0, 0, 2, fixture.Filled(0.01f), 1, 16, "a", 0));
            server.Tell(new GradientComputed(fixture.RunId, 0, 0, 2, fixture.Filled(0.01f), 1, 16, "a-again", 0));
            coordinator.ExpectMsg<GradientRefused>(r => r.WorkerId == "a-again");
            var gone = kit.CreateTestProbe();
            kit.Watch(gone.Ref);
            gone.Tell(PoisonPill.Instance);
            kit.ExpectTerminated(gone.Ref);
            server.Tell(new RequestParameters(fixture.RunId, 0, "gone"), gone.Ref); // a dead letter with a blob
            server.Tell(new GradientComputed(fixture.RunId, 0, 2, 4, fixture.Filled(0.01f), 1, 16, "b", 0));
            coordinator.FishForMessage(m => m is StepApplied, TimeSpan.FromSeconds(20));
        }
        await AssertNoneOutstanding(before);
    }
}
