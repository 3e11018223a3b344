using Akka.TestKit.Xunit2;
using RnnCluster.Core.Steps;
using RnnCluster.Training.Coordinator;
using RnnCluster.Training.ParameterServer;
using RnnCluster.Training.Tests.Support;
using RnnCluster.Training.Wire;

namespace RnnCluster.Training.Tests.ParameterServer;

/// <summary>
/// A shard's start handshake with its run, messages serialized: the run asks again for shards
/// whose start it has not seen confirmed (parameter-server:shard-start-retry), so a repeated
/// locate or start from the same run must find the shard serving, not send it back to waiting
/// for a range nobody sends again.
/// </summary>
public sealed class ShardActorTests() : TestKit(ActorTestConfig.SerializingMessages())
{
    private readonly RunFixture _fixture = new("shard-actor", microBatches: 4);

    private StartShard Start()
    {
        var state = TrainingState.Initial(_fixture.Model, _fixture.Settings);
        return new StartShard(_fixture.RunId, Index: 0, Count: 1, _fixture.Definition, Step: 0,
            TensorBlob.CopyOf([.. state.Parameters, .. state.OptimizerState]));
    }

    [Fact]
    public void A_locate_or_start_its_run_repeats_keeps_the_shard_serving()
    {
        var shard = Sys.ActorOf(ShardActor.Props(threads: 1));
        shard.Tell(new LocateShard(_fixture.RunId, 0), TestActor);
        ExpectMsg<ShardLocated>();
        shard.Tell(Start(), TestActor);
        ExpectMsg<ShardStarted>(s => s.Step == 0);

        shard.Tell(new LocateShard(_fixture.RunId, 0), TestActor); // the retry crossed the confirmation
        ExpectMsg<ShardLocated>();
        shard.Tell(new QueryMissing(_fixture.RunId, 0), TestActor); // only a serving shard answers
        ExpectMsg<MissingMicroBatches>(m => m.MicroBatches.Length == 4);
        shard.Tell(Start(), TestActor); // sent on that locate's answer before the run saw the confirmation
        ExpectMsg<ShardStarted>(s => s.Step == 0);
        shard.Tell(new QueryMissing(_fixture.RunId, 0), TestActor);
        ExpectMsg<MissingMicroBatches>(m => m.MicroBatches.Length == 4);
    }
}
