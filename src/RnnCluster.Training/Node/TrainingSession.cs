using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using RnnCluster.Training.Coordinator;
using RnnCluster.Training.Wire;

namespace RnnCluster.Training.Node;

/// <summary>
/// Runs one process's part of a training run on a generic host (Akka.Hosting) until the run ends:
/// the local simulation puts every role in one session, a cluster node only some of them.
/// </summary>
public static class TrainingSession
{
    /// <summary>
    /// Runs until the run ends, this node is removed from the cluster, or (on a worker-only node)
    /// the coordinator's node is removed. <see cref="SessionResult.LostCluster"/> tells the last two
    /// apart: such a node may start a new session and join again.
    /// </summary>
    public static async Task<SessionResult> RunAsync(SessionOptions options, CancellationToken stop = default)
    {
        var roles = options.Membership.Roles ?? Roles.All;
        var settings = options.Settings ?? RnnClusterSettings.Default;
        bool workerOnly = roles.Count == 1 && roles[0] == Roles.Worker;
        bool hostsPs = roles.Contains(Roles.ParameterServer);
        if (hostsPs && options.Store is null)
            throw new ArgumentException("A node with the parameter-server role needs a checkpoint store (--db or --connection).");

        // Big messages between processes travel on a channel of their own (see Wire); its port is
        // advertised as a cluster role, so it must be known before the node joins.
        using var bulk = options.BulkChannel ? new BulkChannel(options.Membership.Host, options.Membership.EffectiveBulkPort, options.Membership.Credential) : null;
        var membership = options.Membership with { Roles = bulk is null ? roles : [.. roles, bulk.Role] };
        var ended = new TaskCompletionSource<RunEnded>(TaskCreationOptions.RunContinuationsAsynchronously);
        var outcome = new TaskCompletionSource<RunOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        builder.Logging.SetMinimumLevel(options.MinimumLogLevel);
        // Signals are the caller's (the CLI turns them into a graceful stop); neither the host nor
        // Akka's CLR shutdown hook may tear the actor system down underneath a run that is saving
        // its last checkpoint. The runtime calls the last-registered handler first, so with the
        // hook on, Ctrl+C stopped gracefully only if the CLI happened to register after Akka.
        builder.Services.AddSingleton<IHostLifetime, CallerOwnedLifetime>();
        builder.Services.AddHealthChecks(); // Akka.Hosting's own checks, read by the dashboard's /healthz and /ready
        builder.Services.AddAkka(RnnClusterHosting.SystemName, akka =>
        {
            akka.WithActorSystemLivenessCheck().WithAkkaClusterReadinessCheck();
            akka.AddHocon("akka.coordinated-shutdown.run-by-clr-shutdown-hook = off", HoconAddMode.Prepend);
            akka.WithRnnClusterSerialization(options.Membership.SerializeAllMessages)
                .WithRnnClusterMembership(membership, settings.Node);
            if (options.Store is not null)
                akka.WithRnnClusterStore(options.Store);
            akka.WithParameterServer(hostsPs, options.LedgerPath, settings.ParameterServer)
                .WithCoordinator(options.Request, settings.Coordinator)
                .WithWorkers(options.Workers, workerOnly || options.WorkersAreAllThereIs ? EndWhenWorkersStop : null, options.PinComputeThreads, settings.Worker)
                .WithNodeAgent(options.NodeId, ended, settings.Node)
                .WithRunObserver(p => options.OnProgress?.Invoke(p), o => outcome.TrySetResult(o), options.Feed);
        });

        // Nothing is left to do here when this process's workers are all gone: a worker-only node,
        // or the local simulation, which no other process can bring workers to.
        void EndWhenWorkersStop(string? reason) => ended.TrySetResult(new RunEnded(options.Request?.RunId ?? "", false,
            options.WorkersAreAllThereIs
                ? $"every worker of this process stopped: {reason ?? "crashed (see the log above)"}; the last saved checkpoint is kept (continue with --resume)"
                : $"every worker of this node stopped: {reason ?? "crashed (see the log above)"}"));

        using var host = builder.Build();
        await host.StartAsync(stop);
        var system = host.Services.GetRequiredService<ActorSystem>();
        var registry = host.Services.GetRequiredService<ActorRegistry>();
        if (bulk is not null)
        {
            Courier.For(system).UseBulkChannel(bulk);
            bulk.Attach(system);
        }
        options.OnListening?.Invoke(Akka.Cluster.Cluster.Get(system).SelfAddress.ToString());
        options.Feed?.SessionStarted(options.Request?.RunId);
        var health = host.Services.GetRequiredService<HealthCheckService>();
        options.Feed?.UseAkkaHealthChecks(async (liveOnly, cancel) =>
            (await health.CheckHealthAsync(r => !liveOnly || AkkaHealth.IsLiveness(r), cancel)).Status == HealthStatus.Healthy);
        _ = system.WhenTerminated.ContinueWith(_ => options.Feed?.SessionStopped(), TaskScheduler.Default);
        using var graceful = stop.Register(() =>
        {
            if (options.Request is not null)
                registry.Get<CoordinatorKey>().Tell(new StopGracefully("interrupted"));
            else
                ended.TrySetResult(new RunEnded(options.Request?.RunId ?? "", false, "interrupted"));
        });
        var lost = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        _ = system.WhenTerminated.ContinueWith(_ => lost.TrySetResult("this node left the cluster (downed or shut down)"));
        if (workerOnly)
            system.ActorOf(Props.Create(() => new CoordinatorWatch(lost)), "coordinator-watch");
        var first = await Task.WhenAny(ended.Task, lost.Task);
        if (first == lost.Task && !ended.Task.IsCompleted)
        {
            await host.StopAsync(CancellationToken.None);
            return new SessionResult(new RunEnded(options.Request?.RunId ?? "", false, lost.Task.Result), null, LostCluster: true);
        }
        var result = await ended.Task;
        RunOutcome? final = null;
        if (options.Request is not null)
            final = await Task.WhenAny(outcome.Task, Task.Delay(settings.Node.OutcomeWait)) == outcome.Task ? outcome.Task.Result : null;
        await host.StopAsync(CancellationToken.None);
        return new SessionResult(result, final, LostCluster: false);
    }

    /// <summary>On a worker-only node: completes when no member with the coordinator role is left.</summary>
    private sealed class CoordinatorWatch : ReceiveActor
    {
        private readonly HashSet<Akka.Cluster.Member> _coordinators = new();
        private bool _seen;

        public CoordinatorWatch(TaskCompletionSource<string> lost)
        {
            var cluster = Akka.Cluster.Cluster.Get(Context.System);
            Receive<Akka.Cluster.ClusterEvent.MemberUp>(m => Track(m.Member));
            Receive<Akka.Cluster.ClusterEvent.MemberRemoved>(m =>
            {
                _coordinators.RemoveWhere(c => c.Address == m.Member.Address);
                if (_seen && _coordinators.Count == 0)
                    lost.TrySetResult($"the coordinator's node {m.Member.Address} left the cluster");
            });
            ReceiveAny(_ => { });
            cluster.Subscribe(Self, Akka.Cluster.ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
                typeof(Akka.Cluster.ClusterEvent.MemberUp), typeof(Akka.Cluster.ClusterEvent.MemberRemoved));
        }

        private void Track(Akka.Cluster.Member member)
        {
            if (!member.Roles.Contains(Roles.Coordinator))
                return;
            _coordinators.Add(member);
            _seen = true;
        }
    }
}
