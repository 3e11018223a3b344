using Akka.Actor;
using Akka.Cluster;

namespace RnnCluster.Training.Node;

/// <summary>Keeps a <see cref="RunFeed"/>'s member list current: the dashboard's cluster table and /ready.</summary>
public sealed class ClusterWatch : ReceiveActor
{
    public ClusterWatch(RunFeed feed)
    {
        var cluster = Cluster.Get(Context.System);
        ReceiveAny(_ =>
        {
            var state = cluster.State;
            var unreachable = state.Unreachable.Select(m => m.Address).ToHashSet();
            feed.MembersChanged(state.Members.Select(m => new MemberView(m.Address.ToString(), m.Roles.Order(StringComparer.Ordinal).ToList(),
                    m.Status.ToString(), !unreachable.Contains(m.Address), null, m.Address == cluster.SelfAddress)),
                state.Members.Any(m => m.Address == cluster.SelfAddress && m.Status == MemberStatus.Up));
        });
    }

    public static Props Props(RunFeed feed) => Akka.Actor.Props.Create(() => new ClusterWatch(feed));

    protected override void PreStart() =>
        Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsSnapshot,
            typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent));

    protected override void PostStop() => Cluster.Get(Context.System).Unsubscribe(Self);
}
