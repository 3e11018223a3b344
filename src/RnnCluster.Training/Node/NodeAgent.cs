using Akka.Actor;
using Akka.Event;
using RnnCluster.Training.Coordinator;
using RnnCluster.Training.Wire;

namespace RnnCluster.Training.Node;

/// <summary>
/// One per process: tells the coordinator this node takes part, and completes the host's
/// <see cref="RunEnded"/> promise when the run is over, so every node exits when the run ends.
/// </summary>
public sealed class NodeAgent : ReceiveActor, IWithTimers
{
    /// <summary>The agent's name under /user on every node: the coordinator tells each member's agent when the run ends.</summary>
    public const string Name = "node-agent";

    private readonly bool _roundTrip = ForcedSerialization.IsOn(Context.System);
    private readonly NodeSettings _settings;

    public NodeAgent(string nodeId, IActorRef coordinator, TaskCompletionSource<RunEnded> ended, NodeSettings settings)
    {
        _settings = settings;
        var log = Context.GetLogger();
        Receive<Tick>(_ => coordinator.Tell(new RegisterNode(nodeId, MessagePackMessageSerializer.ProtocolVersion)));
        Receive<NodeRegistered>(_ => Timers.StartPeriodicTimer("register", new Tick(), settings.RegisteredInterval));
        Receive<RunEnded>(m =>
        {
            log.Info("Node {0}: run '{1}' ended ({2}).", nodeId, m.RunId, m.Success ? "success" : "failure");
            ended.TrySetResult(m);
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(string nodeId, IActorRef coordinator, TaskCompletionSource<RunEnded> ended, NodeSettings? settings = null) =>
        Akka.Actor.Props.Create(() => new NodeAgent(nodeId, coordinator, ended, settings ?? NodeSettings.Default));

    protected override bool AroundReceive(Receive receive, object message) =>
        base.AroundReceive(receive, _roundTrip ? ForcedSerialization.RoundTrip(Context.System, message) : message);

    protected override void PreStart() => Timers.StartPeriodicTimer("register", new Tick(), TimeSpan.Zero, _settings.RegisterInterval);

    private sealed record Tick : INoSerializationVerificationNeeded;
}
