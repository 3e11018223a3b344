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
/// The parameter server copies each parameter version once and sends that one blob to every
/// recipient. What is checked is which array a local recipient gets, so messages here travel by
/// reference (serialize-messages off, unlike the other actor tests): with serialization every
/// recipient would hold its own deserialized copy and sharing could not be seen.
/// </summary>
public sealed class PublishTests : TestKit
{
    private static readonly Config TestConfig = ConfigurationFactory.ParseString(ActorTestConfig.InMemoryPersistence);

    private readonly RunFixture _fixture = new("published", microBatches: 2);

    public PublishTests() : base(TestConfig)
    {
    }

    [Fact]
    public void Every_recipient_of_a_version_gets_the_same_blob_and_a_new_version_never_writes_into_it()
    {
        var server = Sys.ActorOf(ParameterServerRouter.Props(ParameterServerSettings.Default), "ps");
        var coordinator = CreateTestProbe();
        server.Tell(new BeginRun(_fixture.RunId, _fixture.Definition, false, 10, new CheckpointPolicy(0, 2)), coordinator.Ref);
        coordinator.ExpectMsg<RunReady>(r => r.Step == 0, TimeSpan.FromSeconds(20));
        var (a, b) = (CreateTestProbe(), CreateTestProbe());

        server.Tell(new RequestParameters(_fixture.RunId, 0, "a"), a.Ref);
        server.Tell(new RequestParameters(_fixture.RunId, 0, "b"), b.Ref);
        var v0a = a.ExpectMsg<ParametersAvailable>(p => p.Version == 0);
        var v0b = b.ExpectMsg<ParametersAvailable>(p => p.Version == 0);
        Assert.Same(v0a.Parameters, v0b.Parameters);
        var initial = FloatBytes.From(TrainingState.Initial(_fixture.Model, _fixture.Settings).Parameters);
        Assert.Equal(initial, v0a.Parameters.Array);

        // Both ask for version 1 before it exists (as workers do when they start a step); the
        // step is applied while they still hold version 0.
        server.Tell(new RequestParameters(_fixture.RunId, 1, "a"), a.Ref);
        server.Tell(new RequestParameters(_fixture.RunId, 1, "b"), b.Ref);
        server.Tell(new GradientComputed(_fixture.RunId, 0, 0, 2, _fixture.Filled(0.01f), 1, 32, "a", 0));
        coordinator.FishForMessage(m => m is StepApplied { Step: 0 }, TimeSpan.FromSeconds(20));
        var v1a = a.ExpectMsg<ParametersAvailable>(p => p.Version == 1);
        var v1b = b.ExpectMsg<ParametersAvailable>(p => p.Version == 1);

        Assert.Same(v1a.Parameters, v1b.Parameters);
        Assert.NotSame(v0a.Parameters, v1a.Parameters);
        Assert.NotEqual(initial, v1a.Parameters.Array);
        Assert.Equal(initial, v0a.Parameters.Array); // what a reader of version 0 still sees is version 0
        Assert.Equal(new ParameterLayout(_fixture.Model).TotalSize * 4, v1a.Parameters.Length);
    }
}
