using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit.Xunit2;
using RnnCluster.Core.Model;
using RnnCluster.Core.Steps;
using RnnCluster.Training.Coordinator;
using RnnCluster.Training.ParameterServer;
using RnnCluster.Training.Tests.Support;
using RnnCluster.Training.Wire;
using RnnCluster.Training.Worker;

namespace RnnCluster.Training.Tests.ParameterServer;

/// <summary>
/// Messages of another run, of a stale step, of the wrong shape or holding NaN are refused and
/// logged, never applied. Actor tests with akka.actor.serialize-messages = on and in-memory
/// persistence; the parameter server is checked through what it still reports missing.
/// </summary>
public sealed class GuardTests : TestKit
{
    private static readonly Config TestConfig = ActorTestConfig.SerializingMessages("akka.loglevel = DEBUG\n" + ActorTestConfig.InMemoryPersistence);

    private readonly RunFixture _fixture = new("guarded", microBatches: 4);

    public GuardTests() : base(TestConfig)
    {
    }

    private (IActorRef Server, Akka.TestKit.TestProbe Coordinator) StartedServer(RunFixture? fixture = null)
    {
        fixture ??= _fixture;
        var server = Sys.ActorOf(ParameterServerRouter.Props(ParameterServerSettings.Default), "ps");
        var coordinator = CreateTestProbe();
        server.Tell(new BeginRun(fixture.RunId, fixture.Definition, false, 10, new CheckpointPolicy(0, 2)), coordinator.Ref);
        coordinator.ExpectMsg<RunReady>(r => r.Step == 0, TimeSpan.FromSeconds(20));
        return (server, coordinator);
    }

    private TensorBlob Gradient(float fill = 0.01f) => _fixture.Filled(fill);

    [Fact]
    public void Parameter_server_ignores_other_runs_and_stale_steps_and_refuses_bad_gradients()
    {
        var (server, coordinator) = StartedServer();

        EventFilter.Warning(contains: "has no run 'intruder'").ExpectOne(() =>
            server.Tell(new GradientComputed("intruder", 0, 0, 1, Gradient(), 1, 16, "w-x", 0)));

        EventFilter.Debug(contains: "gradient of step 7 [0,1) from w-late is ahead of the run's step 0").ExpectOne(() =>
            server.Tell(new GradientComputed(_fixture.RunId, 7, 0, 1, Gradient(), 1, 16, "w-late", 7)));

        server.Tell(new GradientComputed(_fixture.RunId, 0, 0, 1, Gradient(float.NaN), 1, 16, "w-nan", 0));
        coordinator.ExpectMsg<GradientRefused>(r => r.Reason.Contains("NaN", StringComparison.Ordinal) && r.WorkerId == "w-nan");

        server.Tell(new GradientComputed(_fixture.RunId, 0, 0, 1, TensorBlob.CopyOf(new byte[12]), 1, 16, "w-short", 0));
        coordinator.ExpectMsg<GradientRefused>(r => r.Reason.Contains("the model has", StringComparison.Ordinal));

        server.Tell(new GradientComputed(_fixture.RunId, 0, 1, 3, Gradient(), 1, 16, "w-misaligned", 0));
        coordinator.ExpectMsg<GradientRefused>(r => r.Reason.Contains("not an aligned sub-tree", StringComparison.Ordinal));

        // Nothing was applied: every micro-batch of step 0 is still missing.
        server.Tell(new QueryMissing(_fixture.RunId, 0), coordinator.Ref);
        coordinator.ExpectMsg<MissingMicroBatches>(m => m.MicroBatches.SequenceEqual([0, 1, 2, 3]));

        // A good sub-tree counts once; the same micro-batch again is refused as a duplicate.
        server.Tell(new GradientComputed(_fixture.RunId, 0, 0, 2, Gradient(), 1, 32, "w-good", 0));
        server.Tell(new GradientComputed(_fixture.RunId, 0, 1, 2, Gradient(), 1, 16, "w-dup", 0));
        coordinator.ExpectMsg<GradientRefused>(r => r.Reason == GradientRefusals.Overlap);
        server.Tell(new QueryMissing(_fixture.RunId, 0), coordinator.Ref);
        coordinator.ExpectMsg<MissingMicroBatches>(m => m.MicroBatches.SequenceEqual([2, 3]));

        // Completing the step applies it; a late copy of a step-0 share is then stale and dropped
        // (one step late, as the loser of a backup task's race is, it is an informational line).
        server.Tell(new GradientComputed(_fixture.RunId, 0, 2, 4, Gradient(), 1, 32, "w-rest", 0));
        coordinator.FishForMessage(m => m is StepApplied { Step: 0 }, TimeSpan.FromSeconds(20));
        EventFilter.Info(contains: "ignores a stale gradient of step 0").ExpectOne(() =>
            server.Tell(new GradientComputed(_fixture.RunId, 0, 0, 1, Gradient(), 1, 16, "w-late", 0)));
        server.Tell(new QueryMissing(_fixture.RunId, 1), coordinator.Ref);
        coordinator.FishForMessage(m => m is MissingMicroBatches { Step: 1 } missing && missing.MicroBatches.SequenceEqual([0, 1, 2, 3]), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void Parameter_server_sums_gradient_parts_and_counts_each_share_once()
    {
        var (server, coordinator) = StartedServer();
        var parts = GradientParts.For(new ParameterLayout(_fixture.Model));
        var (head, tail) = (parts.InLayoutOrder[0], parts.InLayoutOrder[1]);
        TensorBlob Part(GradientPart part, int skip = 0) => TensorBlob.CopyOf(_fixture.FilledBytes(0.01f).AsSpan(4 * part.Offset + skip, 4 * part.Length - skip));
        GradientComputed Piece(int lo, int hi, GradientPart part, string worker) =>
            new(_fixture.RunId, 0, lo, hi, Part(part), part.Offset == 0 ? 1 : 100, part.Offset == 0 ? 16 * (hi - lo) : 999, worker, 0, part.Offset);
        Assert.Equal(2, parts.Count);

        // The top of the buffer first, as a streaming worker sends it: the share is not in until its last part is.
        server.Tell(Piece(0, 2, tail, "w-a"));
        server.Tell(new QueryMissing(_fixture.RunId, 0), coordinator.Ref);
        coordinator.ExpectMsg<MissingMicroBatches>(m => m.MicroBatches.SequenceEqual([0, 1, 2, 3]));

        // Not a whole part: refused, naming the parts.
        server.Tell(new GradientComputed(_fixture.RunId, 0, 2, 4, Part(head, skip: 4), 1, 32, "w-odd", 0, head.Offset + 1));
        coordinator.ExpectMsg<GradientRefused>(r => r.WorkerId == "w-odd" && r.Reason.Contains("not whole parts", StringComparison.Ordinal));

        // w-a died after its first part: the share re-run elsewhere brings that part again (a duplicate) and the rest.
        server.Tell(Piece(0, 2, tail, "w-b"));
        coordinator.ExpectMsg<GradientRefused>(r => r.WorkerId == "w-b" && r.Reason == GradientRefusals.Overlap);
        server.Tell(Piece(0, 2, head, "w-b"));
        server.Tell(new QueryMissing(_fixture.RunId, 0), coordinator.Ref);
        coordinator.ExpectMsg<MissingMicroBatches>(m => m.MicroBatches.SequenceEqual([2, 3]));

        server.Tell(Piece(2, 4, head, "w-c"));
        server.Tell(Piece(2, 4, tail, "w-c"));
        // Loss 1 per share of 32 tokens, carried by the part at offset 0 only: each share counts once.
        coordinator.FishForMessage(m => m is StepApplied { Step: 0, TrainLoss: var loss } && Math.Abs(loss - 2.0 / 64) < 1e-12, TimeSpan.FromSeconds(20));
    }

    [Fact]
    public void In_async_mode_the_parameter_server_takes_only_whole_gradients()
    {
        var fixture = new RunFixture("guarded-async", microBatches: 4, mode: TrainingMode.Async, staleness: 1);
        var (server, coordinator) = StartedServer(fixture);
        var tail = GradientParts.For(new ParameterLayout(fixture.Model)).InLayoutOrder[1];
        var part = TensorBlob.CopyOf(fixture.FilledBytes(0.01f).AsSpan(4 * tail.Offset, 4 * tail.Length));
        server.Tell(new GradientComputed(fixture.RunId, 0, 0, 1, part, 1, 16, "w-part", 0, tail.Offset));
        coordinator.ExpectMsg<GradientRefused>(r => r.WorkerId == "w-part" && r.Reason.Contains("takes the whole gradient", StringComparison.Ordinal));
        server.Tell(new GradientComputed(fixture.RunId, 0, 0, 1, fixture.Filled(0.01f), 1, 16, "w-whole", 0));
        coordinator.FishForMessage(m => m is StepApplied { Step: 0 }, TimeSpan.FromSeconds(20));
    }

    [Fact]
    public void Worker_ignores_the_messages_of_another_run()
    {
        var (worker, coordinator, server) = this.ReadyWorker(_fixture);

        EventFilter.Warning(contains: "ignores AssignWork of run 'other'").ExpectOne(() =>
            worker.Tell(new AssignWork("other", 0, [0]), coordinator.Ref));
        server.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
    }

    [Fact]
    public void Worker_welcomed_twice_says_ready_once_its_model_replica_exists()
    {
        var coordinator = CreateTestProbe();
        var worker = Sys.ActorOf(WorkerActor.Props("w3", coordinator.Ref, CreateTestProbe().Ref));
        coordinator.ExpectMsg<RegisterWorker>(ReadyWorkers.FirstMessageTimeout);
        var welcome = _fixture.Welcome();
        worker.Tell(welcome, coordinator.Ref);
        worker.Tell(welcome, coordinator.Ref);
        coordinator.FishForMessage(m => m is WorkerReady, TimeSpan.FromSeconds(20));
        // Once ready, a welcome again (a coordinator that failed over) is answered at once.
        worker.Tell(welcome, coordinator.Ref);
        coordinator.FishForMessage(m => m is WorkerReady, TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void Worker_refuses_a_corpus_whose_hash_does_not_match()
    {
        var coordinator = CreateTestProbe();
        var worker = Sys.ActorOf(WorkerActor.Props("w1", coordinator.Ref, CreateTestProbe().Ref));
        coordinator.ExpectMsg<RegisterWorker>(ReadyWorkers.FirstMessageTimeout);
        var corrupted = (int[])_fixture.Train.Clone();
        corrupted[10] ^= 1;
        worker.Tell(new WorkerWelcome(_fixture.RunId, _fixture.Definition, IntBytes.From(corrupted), IntBytes.From(_fixture.Validation)), coordinator.Ref);
        coordinator.FishForMessage(m => m is WorkerRefused r && r.Reason.Contains("corpus hash mismatch", StringComparison.Ordinal), TimeSpan.FromSeconds(10));
    }
}
