using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Cluster.Hosting.SBR;
using Akka.Cluster.Sharding;
using Akka.Hosting;
using Akka.Persistence.Sql.Hosting;
using Akka.Remote.Hosting;
using RnnCluster.Training.Coordinator;
using RnnCluster.Training.ParameterServer;
using RnnCluster.Training.Runtime;
using RnnCluster.Training.Wire;
using RnnCluster.Training.Worker;

namespace RnnCluster.Training.Node;

/// <summary>
/// One Akka.Hosting extension per concern, composed by the CLI (train, node) and by tests.
/// </summary>
public static class RnnClusterHosting
{
    public const string SystemName = "rnncluster";
    public const string ServerDispatcher = "rnncluster-server-dispatcher";

    /// <summary>Every RnnCluster message goes through the MessagePack serializer (never the JSON fallback).</summary>
    public static AkkaConfigurationBuilder WithRnnClusterSerialization(this AkkaConfigurationBuilder builder, bool serializeAllMessages) =>
        builder.AddHocon(MessagePackMessageSerializer.BindingHocon + $$"""

            rnncluster.serialize-messages = {{(serializeAllMessages ? "on" : "off")}}
            """ + ServerDispatcherHocon, HoconAddMode.Prepend);

    /// <summary>The parameter server's dispatcher: its own thread, sleeping while idle (<see cref="DedicatedThreadExecutorConfigurator"/>).</summary>
    public static readonly string ServerDispatcherHocon = $$"""

        {{ServerDispatcher}} {
          type = Dispatcher
          executor = "{{typeof(DedicatedThreadExecutorConfigurator).AssemblyQualifiedName}}"
          throughput = 100
        }
        """;

    /// <summary>Remoting and cluster membership, with the Split Brain Resolver chosen explicitly (keep-majority).</summary>
    public static AkkaConfigurationBuilder WithRnnClusterMembership(this AkkaConfigurationBuilder builder, MembershipOptions options, NodeSettings? settings = null) =>
        builder
            .WithClusterTls(options.Credential)
            .WithRemoting(new RemoteOptions
            {
                HostName = options.Host,
                Port = options.Port,
                PublicHostName = options.PublicHost,
                MaxFrameSize = options.MaxFrameBytes,
            })
            .WithClustering(new ClusterOptions
            {
                Roles = (options.Roles ?? Roles.All).ToArray(),
                SeedNodes = options.Seeds?.ToArray() ?? [],
                SplitBrainResolver = new KeepMajorityOption(),
            })
            .AddHocon($"akka.loglevel = {options.LogLevel}", HoconAddMode.Prepend)
            .AddHocon($"akka.loggers = [\"{typeof(Runtime.PlainConsoleLogger).AssemblyQualifiedName}\"]", HoconAddMode.Prepend)
            .AddHocon($$"""
                akka.cluster.downing-provider-class = "Akka.Cluster.SBR.SplitBrainResolverProvider, Akka.Cluster"
                akka.cluster.split-brain-resolver.stable-after = {{options.SbrStableAfterSeconds}}s
                akka.cluster.failure-detector.acceptable-heartbeat-pause = {{(int)(settings ?? NodeSettings.Default).HeartbeatPause.TotalMilliseconds}}ms
                akka.cluster.run-coordinated-shutdown-when-down = on
                akka.coordinated-shutdown.exit-clr = off
                # A node that cannot join its seeds gives up (and `node` may try again, see --rejoin-for).
                akka.cluster.shutdown-after-unsuccessful-join-seed-nodes = {{(int)(settings ?? NodeSettings.Default).JoinTimeout.TotalMilliseconds}}ms
                akka.log-dead-letters = 0
                akka.log-dead-letters-during-shutdown = off
                akka.remote.dot-netty.tcp.batching.enabled = false
                # The scheduler's timer wakes every tick in every process, and on a CPU that a compute
                # thread keeps busy each wake-up preempts the gradient math: 10 ms (the default) cost a
                # worker process ~310 wake-ups a second, 50 ms ~70 (docs/decisions/0014-akka-scheduler-tick-50-ms.md). Every timer here (heartbeats, gossip, deadlines) is a second or longer.
                akka.scheduler.tick-duration = 50ms
                """, HoconAddMode.Prepend)
            .WithPodDiscovery(options, settings ?? NodeSettings.Default)
            .AddStartup((system, _) =>
            {
                // Without seeds this node founds the cluster on its own (the local simulation);
                // with pod discovery, the pods found are the seeds.
                if (options.Pods is null && (options.Seeds is null || options.Seeds.Count == 0))
                {
                    var cluster = Akka.Cluster.Cluster.Get(system);
                    cluster.Join(cluster.SelfAddress);
                }
            });

    /// <summary>
    /// Seed nodes from the Kubernetes API when <see cref="MembershipOptions.Pods"/> is set (else
    /// nothing): a <see cref="PodJoiner"/> lists the pods and joins them. Not Akka.Management's
    /// Cluster Bootstrap: with the packages served next to it, neither its HTTP endpoint nor its
    /// Kubernetes discovery starts (docs/decisions/0021-pod-discovery-without-akka-management.md).
    /// </summary>
    public static AkkaConfigurationBuilder WithPodDiscovery(this AkkaConfigurationBuilder builder, MembershipOptions options, NodeSettings settings)
    {
        if (options.Pods is not { } pods)
            return builder;
        if (options.Seeds is { Count: > 0 })
            throw new ArgumentException("Pod discovery and seed addresses exclude each other: the pods found are the seeds.", nameof(options));
        return builder.WithActors((system, _) =>
        {
            var lister = pods.Lister;
            if (lister is null)
            {
                var inCluster = KubernetesPodLister.InCluster(pods);
                system.RegisterOnTermination(inCluster.Dispose);
                lister = inCluster;
            }
            system.ActorOf(PodJoiner.Props(pods, lister, settings), "pod-joiner");
        });
    }

    /// <summary>
    /// Mutually authenticated TLS for Akka.Remote, accepting only the cluster's own certificate
    /// (pinned by thumbprint): a node without it cannot associate, so it cannot join.
    /// </summary>
    public static AkkaConfigurationBuilder WithClusterTls(this AkkaConfigurationBuilder builder, ClusterCredential? credential) =>
        credential is null
            ? builder
            : builder
                .AddHocon("akka.remote.dot-netty.tcp.enable-ssl = on", HoconAddMode.Prepend)
                .AddSetup(new Akka.Remote.Transport.DotNetty.DotNettySslSetup(credential.Certificate, suppressValidation: false,
                    requireMutualAuthentication: true, validateCertificateHostname: false,
                    Akka.Remote.Transport.DotNetty.CertificateValidation.PinnedCertificate(credential.Thumbprint)));

    /// <summary>Journal and snapshot store through Akka.Persistence.Sql (tables created on first use).</summary>
    public static AkkaConfigurationBuilder WithRnnClusterStore(this AkkaConfigurationBuilder builder, StoreOptions store) =>
        builder.WithSqlPersistence(store.ConnectionString, store.ProviderName, autoInitialize: true);

    /// <summary>
    /// The parameter-server singleton (on nodes with the "ps" role) and its proxy everywhere; on ps
    /// nodes also the region that hosts the shards of runs with --ps-shards (<see cref="ShardPlacement"/>).
    /// </summary>
    public static AkkaConfigurationBuilder WithParameterServer(this AkkaConfigurationBuilder builder, bool hostsRole, string? ledgerPath = null, ParameterServerSettings? settings = null)
    {
        var server = (settings ?? ParameterServerSettings.Default) with { Dispatcher = ServerDispatcher, LedgerPath = ledgerPath };
        var singleton = new ClusterSingletonOptions { Role = Roles.ParameterServer, LogSingletonIdentificationFailure = false };
        if (!hostsRole)
            return builder.WithSingletonProxy<ParameterServerKey>("parameter-server", singleton);
        return builder
            .WithSingleton<ParameterServerKey>("parameter-server", ParameterServerRouter.Props(server), singleton, createProxyToo: true)
            .WithShardRegion<ShardRegionKey>(ShardPlacement.TypeName, _ => ShardActor.Props(server.EffectiveThreads).WithDispatcher(ServerDispatcher), new ShardPlacement(),
                new ShardOptions { Role = Roles.ParameterServer, StateStoreMode = StateStoreMode.DData, RememberEntities = false, ShouldPassivateIdleEntities = false });
    }

    /// <summary>The coordinator singleton (on the node that was given the run) and its proxy everywhere.</summary>
    public static AkkaConfigurationBuilder WithCoordinator(this AkkaConfigurationBuilder builder, RunRequest? request, CoordinatorSettings? settings = null) =>
        request is not null
            ? builder.WithSingleton<CoordinatorKey>("coordinator",
                (_, registry, _) => CoordinatorActor.Props(request, registry.Get<ParameterServerKey>(), settings),
                new ClusterSingletonOptions { Role = Roles.Coordinator, LogSingletonIdentificationFailure = false }, createProxyToo: true)
            : builder.WithSingletonProxy<CoordinatorKey>("coordinator", new ClusterSingletonOptions { Role = Roles.Coordinator, LogSingletonIdentificationFailure = false });

    /// <summary>This process's worker actors, under a supervisor that stops (never restarts in place) a crashed worker.</summary>
    public static AkkaConfigurationBuilder WithWorkers(this AkkaConfigurationBuilder builder, IReadOnlyList<(string Id, WorkerFaults Faults)> workers, Action<string?>? allStopped = null,
        bool pinComputeThreads = false, WorkerSettings? settings = null) =>
        workers.Count == 0
            ? builder
            : builder.WithActors((system, registry) =>
            {
                var supervisor = system.ActorOf(WorkerSupervisor.Props(workers, registry.Get<CoordinatorKey>(), registry.Get<ParameterServerKey>(), allStopped, pinComputeThreads, settings), "workers");
                registry.Register<WorkersKey>(supervisor);
            });

    /// <summary>The agent that completes <paramref name="ended"/> when the run this node takes part in is over.</summary>
    public static AkkaConfigurationBuilder WithNodeAgent(this AkkaConfigurationBuilder builder, string nodeId, TaskCompletionSource<RunEnded> ended, NodeSettings? settings = null) =>
        builder.WithActors((system, registry) =>
            registry.Register<NodeAgentKey>(system.ActorOf(NodeAgent.Props(nodeId, registry.Get<CoordinatorKey>(), ended, settings ?? NodeSettings.Default), NodeAgent.Name)));

    /// <summary>Forwards the coordinator's progress and outcome (published on this node's event stream) to callbacks.</summary>
    /// <summary>
    /// Hands what the coordinator publishes to the caller's callbacks, the metrics and, when given,
    /// the <paramref name="feed"/> the dashboard reads (also told of the cluster's members).
    /// </summary>
    public static AkkaConfigurationBuilder WithRunObserver(this AkkaConfigurationBuilder builder, Action<RunProgress> onProgress, Action<RunOutcome> onOutcome, RunFeed? feed = null) =>
        builder.WithActors((system, _) =>
        {
            var observer = system.ActorOf(Props.Create(() => new RunObserver(onProgress, onOutcome, feed)), "run-observer");
            foreach (var type in new[] { typeof(RunProgress), typeof(RunOutcome), typeof(WorkDone), typeof(WorkerNotice), typeof(CheckpointSaved) })
                system.EventStream.Subscribe(observer, type);
            if (feed is not null)
                system.ActorOf(ClusterWatch.Props(feed), "cluster-watch");
        });

    private sealed class RunObserver : ReceiveActor
    {
        public RunObserver(Action<RunProgress> onProgress, Action<RunOutcome> onOutcome, RunFeed? feed)
        {
            Receive<RunProgress>(p =>
            {
                RnnClusterMetrics.Progress(p, feed?.Report(p) ?? p.Event is null);
                onProgress(p);
            });
            Receive<RunOutcome>(o =>
            {
                feed?.Ended(o);
                onOutcome(o);
            });
            Receive<WorkDone>(d =>
            {
                feed?.WorkDone(d);
                RnnClusterMetrics.WorkDone(d);
            });
            Receive<WorkerNotice>(n =>
            {
                feed?.Notice(n);
                RnnClusterMetrics.Notice(n);
            });
            Receive<CheckpointSaved>(c =>
            {
                feed?.CheckpointSaved(c);
                RnnClusterMetrics.CheckpointSaved(c);
            });
        }
    }
}
