using System.Net;
using Akka.Actor;
using Akka.Event;

namespace RnnCluster.Training.Node;

/// <summary>
/// Lists the cluster's pods (<see cref="IPodLister"/>) until <see cref="SeedDiscovery"/> accepts them,
/// joins them as seed nodes and stops; from then on Akka's seed-node join (and its
/// node:join-timeout) takes over, exactly as with --seed addresses.
/// </summary>
public sealed class PodJoiner : ReceiveActor, IWithTimers
{
    private sealed record Tick
    {
        public static readonly Tick Instance = new();
    }

    private sealed record Found(IReadOnlyList<Address> Addresses);

    private readonly IPodLister _lister;
    private readonly NodeSettings _settings;
    private readonly Akka.Cluster.Cluster _cluster = Akka.Cluster.Cluster.Get(Context.System);
    private readonly SeedDiscovery _decision;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private bool _warned;

    public PodJoiner(PodDiscoveryOptions options, IPodLister lister, NodeSettings settings)
    {
        _lister = lister;
        _settings = settings;
        _decision = new SeedDiscovery(_cluster.SelfAddress, options.RequiredContactPoints, settings.DiscoveryStableMargin);
        Looking();
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(PodDiscoveryOptions options, IPodLister lister, NodeSettings settings) =>
        Akka.Actor.Props.Create(() => new PodJoiner(options, lister, settings));

    protected override void PreStart() => Self.Tell(Tick.Instance);

    /// <summary>Waiting for the next lookup.</summary>
    private void Looking()
    {
        Receive<Tick>(_ =>
        {
            var self = _cluster.SelfAddress;
            ListPods().PipeTo(Self,
                success: pods => new Found(pods.Select(p => new Address(self.Protocol, self.System, p.Host, p.Port == 0 ? self.Port : p.Port)).ToList()),
                failure: e => new Status.Failure(e));
            Become(Resolving);
        });
    }

    /// <summary>One listing, given up after the discovery timeout; a failure arrives as the task's, never as a crash of this actor.</summary>
    private async Task<IReadOnlyList<DnsEndPoint>> ListPods()
    {
        using var timeout = new CancellationTokenSource(_settings.DiscoveryTimeout);
        return await _lister.ListAsync(timeout.Token);
    }

    /// <summary>A lookup is under way.</summary>
    private void Resolving()
    {
        Receive<Found>(found =>
        {
            if (_decision.Observe(found.Addresses, DateTime.UtcNow) is { } seeds)
            {
                _log.Info("Joining the pods found as seed nodes: {0}", string.Join(", ", seeds));
                _cluster.JoinSeedNodes(seeds);
                Context.Stop(Self);
                return;
            }
            LookAgain();
        });
        Receive<Status.Failure>(failure =>
        {
            // Once at warning (RBAC, a wrong namespace): the next failures say nothing new.
            if (!_warned)
                _log.Warning("Listing the cluster's pods failed, trying again every {0}: {1}", _settings.DiscoveryInterval, failure.Cause.Message);
            _warned = true;
            LookAgain();
        });
    }

    private void LookAgain()
    {
        Timers.StartSingleTimer(nameof(Tick), Tick.Instance, _settings.DiscoveryInterval);
        Become(Looking);
    }
}
