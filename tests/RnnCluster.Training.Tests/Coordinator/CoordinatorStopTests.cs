using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit.Xunit2;
using RnnCluster.Training.Coordinator;
using RnnCluster.Training.Node;
using RnnCluster.Training.ParameterServer;
using RnnCluster.Training.Tests.Support;
using RnnCluster.Training.Wire;
using RnnCluster.Training.Worker;

namespace RnnCluster.Training.Tests.Coordinator;

/// <summary>
/// A graceful stop (Ctrl+C) ends the run after the step in flight, wherever in that step it
/// arrives: the coordinator between probes standing in for the parameter server and a worker,
/// so each message's moment is chosen exactly.
/// </summary>
public sealed class CoordinatorStopTests : TestKit
{
    private static readonly Config TestConfig = ActorTestConfig.SerializingMessages();

    private readonly RunFixture _fixture = new("stopping", microBatches: 2);

    public CoordinatorStopTests() : base(TestConfig)
    {
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_stop_during_a_step_ends_the_run_after_that_step_and_hands_out_no_other(bool stopAfterWorkDone)
    {
        var server = CreateTestProbe();
        var worker = CreateTestProbe();
        var outcomes = CreateTestProbe();
        Sys.EventStream.Subscribe(outcomes.Ref, typeof(RunOutcome));
        var coordinator = Sys.ActorOf(CoordinatorActor.Props(_fixture.Request(steps: 6, checkpointEvery: 0), server.Ref));

        server.ExpectMsg<BeginRun>(TimeSpan.FromSeconds(10));
        server.Reply(new RunReady(_fixture.RunId, 0, false, "new run"));
        worker.Send(coordinator, new RegisterWorker("w0", MessagePackMessageSerializer.ProtocolVersion));
        worker.ExpectMsg<WorkerWelcome>();
        worker.Send(coordinator, new WorkerReady(_fixture.RunId, "w0"));
        var work = worker.ExpectMsg<AssignWork>();
        Assert.Equal(0, work.Step);
        Assert.Equal([0, 1], work.MicroBatches);

        // The stop comes while the worker still computes, or after its WorkDone but before the
        // parameter server has applied the step: either way step 0 completes and nothing follows.
        if (!stopAfterWorkDone)
            coordinator.Tell(new StopGracefully("test"));
        worker.Send(coordinator, new WorkDone(_fixture.RunId, 0, "w0", 10, 0));
        if (stopAfterWorkDone)
            coordinator.Tell(new StopGracefully("test"));
        server.ExpectNoMsg(TimeSpan.FromMilliseconds(200)); // no FinishRun while the step is unapplied
        server.Send(coordinator, new StepApplied(_fixture.RunId, 0, 2.0, 1.0, 1e-3f, 0.1, 0.1, 0));

        // The final validation of version 1 is the next thing the worker gets (not step 1's work).
        var evaluation = worker.ExpectMsg<EvaluateRequest>();
        Assert.Equal(1, evaluation.Version);
        worker.Send(coordinator, new EvaluationResult(_fixture.RunId, 1, 2.1, "w0"));
        server.FishForMessage(m => m is FinishRun, TimeSpan.FromSeconds(5));
        server.Reply(new RunFinished(_fixture.RunId, 1));

        var outcome = outcomes.ExpectMsg<RunOutcome>();
        Assert.True(outcome.Success, outcome.Message);
        Assert.Equal(1, outcome.Steps);
        Assert.StartsWith("stopped at step 1", outcome.Message, StringComparison.Ordinal);
        Assert.False(worker.ExpectMsg<RunEnded>().Summary.Contains("step 2", StringComparison.Ordinal));
    }
}
