using Akka.Actor;
using Akka.Cluster;

namespace RnnCluster.Training.Node;

/// <summary>
/// Keeps a <see cref="RunFeed"/>'s member list current: the dashboard's cluster table and /ready.
/// The list is built from the events themselves, not from <c>Cluster.State</c>, which is updated
/// by a subscriber of its own and could still lack the change an event announces: this node's own
/// MemberUp then left it unready for good.
/// </summary>
public sealed class ClusterWatch : ReceiveActor
{
    private readonly Dictionary<Address, Member> _members = new();
    private readonly HashSet<Address> _unreachable = new();

    public ClusterWatch(RunFeed feed)
    {
        var self = Cluster.Get(Context.System).SelfAddress;
        void Publish() => feed.MembersChanged(
            _members.Values.OrderBy(m => m.Address.ToString(), StringComparer.Ordinal).Select(m => new MemberView(m.Address.ToString(),
                m.Roles.Order(StringComparer.Ordinal).ToList(), m.Status.ToString(), !_unreachable.Contains(m.Address), null, m.Address == self)),
            _members.TryGetValue(self, out var me) && me.Status == MemberStatus.Up);

        Receive<ClusterEvent.CurrentClusterState>(state =>
        {
            foreach (var m in state.Members)
                _members[m.Address] = m;
            _unreachable.UnionWith(state.Unreachable.Select(m => m.Address));
            Publish();
        });
        Receive<ClusterEvent.MemberRemoved>(removed =>
        {
            _members.Remove(removed.Member.Address);
            _unreachable.Remove(removed.Member.Address);
            Publish();
        });
        Receive<ClusterEvent.IMemberEvent>(e =>
        {
            _members[e.Member.Address] = e.Member;
            Publish();
        });
        Receive<ClusterEvent.UnreachableMember>(u =>
        {
            _unreachable.Add(u.Member.Address);
            Publish();
        });
        Receive<ClusterEvent.ReachableMember>(r =>
        {
            _unreachable.Remove(r.Member.Address);
            Publish();
        });
        ReceiveAny(_ => { });
    }

    public static Props Props(RunFeed feed) => Akka.Actor.Props.Create(() => new ClusterWatch(feed));

    protected override void PreStart() =>
        Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsSnapshot,
            typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent));

    protected override void PostStop() => Cluster.Get(Context.System).Unsubscribe(Self);
}
