using Akka.Actor;
using Akka.TestKit.Xunit2;
using RnnCluster.Training.Coordinator;
using RnnCluster.Training.Tests.Support;
using RnnCluster.Training.Wire;
using RnnCluster.Training.Worker;

namespace RnnCluster.Training.Tests.Worker;

/// <summary>
/// Which parameters answer a validation request. In async mode the parameter server goes on
/// applying the shares in flight after the coordinator asked, so the version it named may never
/// be served again; a worker then evaluates the newer parameters instead of waiting for the
/// coordinator's deadline. In sync mode only the exact version will do.
/// </summary>
public sealed class EvaluationTests : TestKit
{
    public EvaluationTests() : base(ActorTestConfig.SerializingMessages())
    {
    }

    private (IActorRef Worker, Akka.TestKit.TestProbe Coordinator, Akka.TestKit.TestProbe Server, RunFixture Fixture) ReadyWorker(TrainingMode mode)
    {
        var fixture = new RunFixture("eval-" + mode.ToString().ToLowerInvariant(), microBatches: 4, mode: mode, staleness: mode == TrainingMode.Async ? 1 : 0);
        var (worker, coordinator, server) = this.ReadyWorker(fixture);
        worker.Tell(new ParametersAvailable(fixture.RunId, 7, fixture.Filled(0.01f)), server.Ref);
        return (worker, coordinator, server, fixture);
    }

    [Fact]
    public void In_async_mode_a_request_for_a_version_the_server_moved_past_is_answered_with_the_newer_parameters()
    {
        var (worker, coordinator, _, fixture) = ReadyWorker(TrainingMode.Async);
        worker.Tell(new EvaluateRequest(fixture.RunId, 5), coordinator.Ref);
        var result = (EvaluationResult)coordinator.FishForMessage(m => m is EvaluationResult, TimeSpan.FromSeconds(20));
        Assert.Equal(7, result.Version);
        Assert.True(double.IsFinite(result.Loss) && result.Loss > 0, $"loss {result.Loss}");
    }

    [Fact]
    public void In_sync_mode_only_the_exact_version_is_evaluated()
    {
        var (worker, coordinator, _, fixture) = ReadyWorker(TrainingMode.Sync);
        worker.Tell(new EvaluateRequest(fixture.RunId, 5), coordinator.Ref);
        var meanwhile = coordinator.ReceiveWhile<object>(TimeSpan.FromSeconds(1), m => m);
        Assert.DoesNotContain(meanwhile, m => m is EvaluationResult);

        worker.Tell(new EvaluateRequest(fixture.RunId, 7), coordinator.Ref);
        var result = (EvaluationResult)coordinator.FishForMessage(m => m is EvaluationResult, TimeSpan.FromSeconds(20));
        Assert.Equal(7, result.Version);
    }
}
