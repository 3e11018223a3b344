using Akka.Actor;
using Akka.Event;
using RnnCluster.Training.Messages;
using RnnCluster.Training.Serialization;

namespace RnnCluster.Training.Actors;

/// <summary>
/// One per process: tells the coordinator this node takes part, and completes the host's
/// <see cref="RunEnded"/> promise when the run is over, so every node exits when the run ends.
/// </summary>
public sealed class NodeAgent : ReceiveActor, IWithTimers
{
    private readonly bool _roundTrip = ForcedSerialization.IsOn(Context.System);

    protected override bool AroundReceive(Receive receive, object message) =>
        base.AroundReceive(receive, _roundTrip ? ForcedSerialization.RoundTrip(Context.System, message) : message);

    public NodeAgent(string nodeId, IActorRef coordinator, TaskCompletionSource<RunEnded> ended)
    {
        var log = Context.GetLogger();
        Receive<Tick>(_ => coordinator.Tell(new RegisterNode(nodeId, MessagePackMessageSerializer.ProtocolVersion)));
        Receive<NodeRegistered>(_ => Timers.StartPeriodicTimer("register", Tick.Instance, TimeSpan.FromSeconds(10)));
        Receive<RunEnded>(m =>
        {
            log.Info("Node {0}: run '{1}' ended ({2}).", nodeId, m.RunId, m.Success ? "success" : "failure");
            ended.TrySetResult(m);
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    protected override void PreStart() => Timers.StartPeriodicTimer("register", Tick.Instance, TimeSpan.Zero, TimeSpan.FromSeconds(1));

    public static Props Props(string nodeId, IActorRef coordinator, TaskCompletionSource<RunEnded> ended) =>
        Akka.Actor.Props.Create(() => new NodeAgent(nodeId, coordinator, ended));

    private sealed record Tick : INoSerializationVerificationNeeded
    {
        public static readonly Tick Instance = new();
    }
}

/// <summary>Parent of the worker actors of a process: a crashed worker stops (its work is reassigned), it is not restarted in place.</summary>
public sealed class WorkerSupervisor : ReceiveActor
{
    private int _alive;
    private string? _lastReason;
    private bool _finished;

    /// <param name="allStopped">Called with the last reason given when every worker has stopped (a worker-only node then has nothing left to do).</param>
    /// <param name="pinComputeThreads">Bind worker i's compute thread to the process's i-th CPU, modulo their count (see <see cref="CpuAffinity"/>).</param>
    public WorkerSupervisor(IReadOnlyList<(string Id, WorkerFaults Faults)> workers, IActorRef coordinator, IActorRef parameterServer, Action<string?>? allStopped,
        bool pinComputeThreads = false)
    {
        for (int i = 0; i < workers.Count; i++)
        {
            Context.Watch(Context.ActorOf(WorkerActor.Props(workers[i].Id, coordinator, parameterServer, workers[i].Faults, pinComputeThreads ? i : -1), $"worker-{i}"));
        }
        _alive = workers.Count;
        Receive<WorkerGaveUp>(m => _lastReason = m.Reason);
        Receive<WorkerFinished>(_ => _finished = true);
        Receive<Terminated>(_ =>
        {
            // Workers stopping because the run ended is the normal end: the node agent reports it.
            if (--_alive == 0 && !_finished)
                allStopped?.Invoke(_lastReason);
        });
    }

    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(_ => Directive.Stop);

    public static Props Props(IReadOnlyList<(string Id, WorkerFaults Faults)> workers, IActorRef coordinator, IActorRef parameterServer, Action<string?>? allStopped = null,
        bool pinComputeThreads = false) =>
        Akka.Actor.Props.Create(() => new WorkerSupervisor(workers, coordinator, parameterServer, allStopped, pinComputeThreads));
}
