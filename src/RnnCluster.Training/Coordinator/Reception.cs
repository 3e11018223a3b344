using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using RnnCluster.Training.Node;
using RnnCluster.Training.Wire;
using RnnCluster.Training.Worker;

namespace RnnCluster.Training.Coordinator;

/// <summary>
/// Who takes part in the coordinator's run. Admits workers (protocol check, the welcome with the
/// run and its data, <see cref="WorkerJoined"/> to the coordinator) and node agents; tells the
/// coordinator when an actor it depends on is gone (<see cref="ActorLost"/>): stopped, or on a node
/// that became unreachable or was removed; and tells the node agents, and anyone who registers
/// later, that the run has ended. A worker-only node that stays unreachable is downed here rather
/// than left to the Split Brain Resolver: dead workers must not pile up as unreachable members
/// (with keep-majority, enough of them would outvote the live side). A downed worker that was only
/// cut off joins again by itself (node --rejoin-for).
/// </summary>
public sealed class Reception : ReceiveActor, IWithTimers
{
    private readonly HashSet<IActorRef> _watched = new();
    private readonly HashSet<IActorRef> _nodes = new();
    private readonly bool _cluster = Context.System.Settings.ProviderClass.Contains("Cluster", StringComparison.Ordinal);
    private RunEnded? _ended;

    public Reception(WorkerWelcome welcome, TimeSpan workerDownAfter)
    {
        var log = Context.GetLogger();
        var courier = Courier.For(Context.System);
        Receive<RegisterWorker>(register =>
        {
            if (_ended is not null)
                Sender.Tell(_ended);
            else if (MessagePackMessageSerializer.ProtocolMismatch(register.ProtocolVersion) is { } mismatch)
                Sender.Tell(new WorkerRefused(welcome.RunId, mismatch));
            else
            {
                if (Track(Sender))
                {
                    log.Info("Worker {0} joined from {1}.", register.WorkerId, Sender.Path.Address);
                    Context.Parent.Tell(new WorkerJoined(Sender, register.WorkerId));
                }
                courier.Send(Sender, welcome, Context.Parent); // again to a repeated registration: the last welcome may be lost
            }
        });
        Receive<RegisterNode>(register =>
        {
            if (MessagePackMessageSerializer.ProtocolMismatch(register.ProtocolVersion) is not null)
                return;
            _nodes.Add(Sender);
            Sender.Tell(_ended ?? (object)new NodeRegistered(welcome.RunId)); // every time: a repeat re-delivers an end that was lost
        });
        Receive<RunEnded>(ended =>
        {
            _ended = ended;
            foreach (var node in _nodes)
                node.Tell(ended);
            // A node agent registers every NodeSettings.RegisteredInterval once acknowledged (by the
            // coordinator before a restart, say); a run that ends sooner would leave such a node
            // waiting for ever once this coordinator's process is gone. Every member's agent is told.
            if (_cluster)
                foreach (var member in Cluster.Get(Context.System).State.Members.Where(m => m.Status is MemberStatus.Up or MemberStatus.WeaklyUp))
                    Context.ActorSelection(new RootActorPath(member.Address) / "user" / NodeAgent.Name).Tell(ended);
        });
        Receive<Watch>(w => Track(w.Actor));
        Receive<Unwatch>(w =>
        {
            if (_watched.Remove(w.Actor))
                Context.Unwatch(w.Actor);
        });
        Receive<Terminated>(t => Lost(t.ActorRef, "terminated"));
        Receive<ClusterEvent.UnreachableMember>(u =>
        {
            LostNode(u.Member.Address, $"node {u.Member.Address} unreachable");
            if (IsWorkerOnly(u.Member))
                Timers.StartSingleTimer("down-" + u.Member.Address, new DownIfStillUnreachable(u.Member.Address), workerDownAfter);
        });
        Receive<DownIfStillUnreachable>(d =>
        {
            var cluster = Cluster.Get(Context.System);
            if (!cluster.State.Unreachable.Any(m => m.Address == d.Address))
                return;
            log.Warning("Downing worker node {0}: unreachable for {1} s.", d.Address, workerDownAfter.TotalSeconds);
            cluster.Down(d.Address);
        });
        Receive<ClusterEvent.MemberRemoved>(r => LostNode(r.Member.Address, $"node {r.Member.Address} removed"));
        ReceiveAny(_ => { });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(WorkerWelcome welcome, TimeSpan workerDownAfter) => Akka.Actor.Props.Create(() => new Reception(welcome, workerDownAfter));

    protected override void PreStart()
    {
        if (_cluster)
            Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
                typeof(ClusterEvent.UnreachableMember), typeof(ClusterEvent.MemberRemoved));
    }

    protected override void PostStop()
    {
        if (_cluster)
            Cluster.Get(Context.System).Unsubscribe(Self);
    }

    private bool Track(IActorRef actor)
    {
        if (!_watched.Add(actor))
            return false;
        Context.Watch(actor);
        return true;
    }

    private void LostNode(Address address, string why)
    {
        foreach (var actor in _watched.Where(a => a.Path.Address == address).ToList())
            Lost(actor, why);
    }

    private void Lost(IActorRef actor, string why)
    {
        if (!_watched.Remove(actor))
            return;
        Context.Unwatch(actor);
        Context.Parent.Tell(new ActorLost(actor, why));
    }

    private static bool IsWorkerOnly(Member member) =>
        member.Roles.Contains(Roles.Worker) && !member.Roles.Contains(Roles.Coordinator) && !member.Roles.Contains(Roles.ParameterServer);

    /// <summary>Coordinator → reception: tell me when this actor (the parameter server) is gone.</summary>
    public sealed record Watch(IActorRef Actor) : INoSerializationVerificationNeeded;

    /// <summary>Coordinator → reception: this actor no longer matters.</summary>
    public sealed record Unwatch(IActorRef Actor) : INoSerializationVerificationNeeded;

    private sealed record DownIfStillUnreachable(Address Address) : INoSerializationVerificationNeeded;
}
