using System.CommandLine;
using System.Globalization;
using RnnCluster.Cli.Display;
using RnnCluster.Cli.Running;
using RnnCluster.Training.Node;
using RnnCluster.Training.Wire;
using RnnCluster.Training.Worker;

namespace RnnCluster.Cli.Commands;

/// <summary>
/// `node`: one member of a cluster run — the same binary on every host, with any subset of the
/// roles coordinator, ps and worker. The coordinator node holds the run options and the corpus;
/// workers receive everything over the wire.
/// </summary>
internal static class NodeCommand
{
    public static Command Create()
    {
        var run = new RunArguments();
        var store = new StoreArguments();
        var faults = new FaultArguments();
        var http = new HttpArguments();
        var discovery = new DiscoveryArguments();
        var roles = ConfiguredDefaults.Make<string>("--roles", "comma-separated subset of coordinator,ps,worker", "coordinator,ps,worker");
        var host = ConfiguredDefaults.Make<string>("--host", "address to bind (default 127.0.0.1: only this machine can connect)", "127.0.0.1");
        var port = ConfiguredDefaults.Make<int>("--port", "Akka.Remote port (0 = any free port)", 4053);
        var bulkPort = ConfiguredDefaults.MakeNullable<int>("--bulk-port", "port of the bulk channel for parameters and gradients (default: --port + 1; any free port when --port is 0)");
        var publicHost = ConfiguredDefaults.MakeOptional<string>("--public-host", "name other nodes use to reach this one (behind NAT or in containers)");
        var seeds = ConfiguredDefaults.MakeList("--seed", "seed node akka.tcp://rnncluster@HOST:PORT (repeatable); a plain number is the run seed, as in train");
        var seedNodes = ConfiguredDefaults.MakeList("--seed-node", "seed node address (same as --seed with an address)");
        var runSeed = ConfiguredDefaults.MakeNullable<ulong>("--run-seed", "run seed (same as --seed with a number)");
        var minWorkers = ConfiguredDefaults.Make<int>("--min-workers", "coordinator: start once this many workers are ready", 1);
        var threads = ConfiguredDefaults.Make<int>("--threads", "worker role: worker actors in this process, each with its own compute thread", 1);
        var config = new Option<string?>("--config") { Description = "JSON file with these settings (keys = option names); RNNCLUSTER_* environment variables override it" };
        var plain = new Option<bool>("--plain") { Description = "plain log lines instead of the live display" };
        var verbose = ConfiguredDefaults.Make<bool>("--verbose", "Akka's informational log lines", false);
        var samples = ConfiguredDefaults.Make<int>("--samples", "coordinator: text samples generated at the end", 1);
        var ledger = ConfiguredDefaults.MakeOptional<string>("--ledger", "ps role: append one JSON line per applied step naming each sub-tree and the worker that computed it");
        var tlsCert = ConfiguredDefaults.MakeOptional<string>("--tls-cert", "PKCS#12 file with the cluster's certificate and key: TLS between nodes, and only nodes holding it can join");
        var tlsPassword = ConfiguredDefaults.MakeOptional<string>("--tls-password", "password of --tls-cert (better: RNNCLUSTER_TLS_PASSWORD)");
        var stableAfter = ConfiguredDefaults.Make<int>("--sbr-stable-after", "seconds the unreachable set must be stable before the Split Brain Resolver (keep-majority) acts", 7);
        var rejoinFor = ConfiguredDefaults.Make<double>("--rejoin-for", "worker node: keep joining again for this many seconds after losing the coordinator or being downed", 600);

        var command = new Command("node", "Run one member of a cluster (any subset of the roles coordinator, ps, worker)");
        run.AddTo(command, withSeed: false);
        store.AddTo(command);
        faults.AddTo(command);
        http.AddTo(command);
        discovery.AddTo(command);
        foreach (var option in new Option[] { roles, host, port, bulkPort, publicHost, seeds, seedNodes, runSeed, minWorkers, threads, config, plain, verbose, samples, rejoinFor, ledger, stableAfter, tlsCert, tlsPassword })
            command.Options.Add(option);

        command.SetAction(async (p, cancel) => await CommandRunner.Guard(async () =>
        {
            var settings = ConfiguredDefaults.Settings();
            var roleList = ParseRoles(p.GetValue(roles)!);
            var (seedAddresses, seedNumber) = SplitSeeds(p.GetValue(seeds) ?? []);
            seedAddresses.AddRange(p.GetValue(seedNodes) ?? []);
            var pods = discovery.Read(p, seedAddresses, p.GetValue(host)!, p.GetValue(publicHost));
            ulong? seed = p.GetValue(runSeed) ?? seedNumber;
            int workerCount = roleList.Contains(Roles.Worker) ? p.GetValue(threads) : 0;
            if (roleList.Contains(Roles.Worker) && workerCount < 1)
                throw new UsageException("--threads must be at least 1 on a worker node.");
            var faultsOf = faults.Read(p, workerCount);
            var endpoint = http.Read(p);
            bool needsStore = roleList.Contains(Roles.ParameterServer) || p.GetValue(run.Resume) is not null;
            bool storeGiven = RunArguments.Given(p, store.Db) || RunArguments.Given(p, store.Connection)
                              || Environment.GetEnvironmentVariable("RNNCLUSTER_DB") is not null || Environment.GetEnvironmentVariable("RNNCLUSTER_CONNECTION") is not null
                              || ConfiguredDefaults.Lookup("db") is not null || ConfiguredDefaults.Lookup("connection") is not null;
            var storeOptions = needsStore || storeGiven ? ReadStore(p, store) : null;
            CheckPort(p.GetValue(port), "--port");
            if (p.GetValue(bulkPort) is { } bulk)
                CheckPort(bulk, "--bulk-port");
            bool coordinator = roleList.Contains(Roles.Coordinator);
            if (coordinator && p.GetValue(minWorkers) < 1)
                throw new UsageException("--min-workers must be at least 1.");
            if (coordinator && p.GetValue(samples) < 0)
                throw new UsageException("--samples must be >= 0.");
            // Loaded before the plan, whose store check and header would otherwise come before a bad certificate's error.
            using var credential = p.GetValue(tlsCert) is { } certFile ? LoadCredential(certFile, p.GetValue(tlsPassword)) : null;

            int akkaPort = p.GetValue(port), bulkAt = p.GetValue(bulkPort) ?? (akkaPort == 0 ? 0 : akkaPort + 1);
            PortCheck.WaitUntilFree(p.GetValue(host)!, akkaPort, settings.Node.PortWait, "Akka.Remote, --port");
            PortCheck.WaitUntilFree(p.GetValue(host)!, bulkAt, settings.Node.PortWait, "bulk channel, --bulk-port");

            RunPlan? plan = null;
            if (coordinator)
            {
                plan = await RunPlanner.PlanAsync(p, run, storeOptions, seed);
                plan = plan with { Request = plan.Request with { MinWorkers = p.GetValue(minWorkers) } };
            }
            // With TLS, Akka addresses use the akka.ssl.tcp scheme; accept seeds written either way.
            seedAddresses = seedAddresses.Select(a => credential is null
                ? a.Replace("akka.ssl.tcp://", "akka.tcp://", StringComparison.Ordinal)
                : a.Replace("akka.tcp://", "akka.ssl.tcp://", StringComparison.Ordinal)).ToList();
            var membership = new MembershipOptions(Pods: pods,
                Host: p.GetValue(host)!, Port: p.GetValue(port), PublicHost: p.GetValue(publicHost),
                Seeds: seedAddresses, Roles: roleList, LogLevel: p.GetValue(verbose) ? "INFO" : "WARNING", BulkPort: p.GetValue(bulkPort),
                SbrStableAfterSeconds: Math.Max(1, p.GetValue(stableAfter)), Credential: credential);
            var reporter = plan is null ? null : ProgressReporter.Create(p.GetValue(plain));
            string nodeId = $"{membership.PublicHost ?? membership.Host}:{membership.Port}/{Environment.ProcessId}";
            var expect = plan is null && workerCount > 0 ? await Expectations(p, run, storeOptions, seed) : WorkerExpectations.None;
            // Bound once every other check has passed: a port in use is the last usage error, and
            // it still comes before the header.
            var feed = endpoint is null ? null : new RunFeed();
            await using var dashboard = await DashboardHosting.StartAsync(endpoint, storeOptions, feed);
            if (plan is not null)
                RunReport.PrintHeader(plan, storeOptions ?? StoreOptions.Sqlite(StoreArguments.DefaultDatabase),
                    $"this node ({string.Join(",", roleList)}) waits for {plan.Request.MinWorkers} worker(s)");
            var session = new SessionOptions(nodeId, membership, storeOptions, plan?.Request,
                Enumerable.Range(0, workerCount).Select(i => ($"{nodeId}/w{i}", faultsOf(i) with { Expect = expect })).ToList(),
                reporter is null ? null : reporter.OnProgress,
                BulkChannel: true,
                OnListening: address => Console.WriteLine($"node {address} up with roles {string.Join(",", roleList)}"),
                LedgerPath: p.GetValue(ledger) is { } ledgerFile ? Path.GetFullPath(ledgerFile) : null,
                Settings: settings, Feed: feed);

            if (plan is null)
            {
                // A worker node outlives a lost coordinator or its own downing: it joins again
                // (same address, fresh actor system) and gets work from the next step on.
                var giveUp = DateTime.UtcNow.AddSeconds(p.GetValue(rejoinFor));
                var result = await TrainingSession.RunAsync(session, cancel);
                while (result.LostCluster && roleList.SequenceEqual([Roles.Worker]) && DateTime.UtcNow < giveUp && !cancel.IsCancellationRequested)
                {
                    Console.WriteLine($"node lost its cluster ({result.Ended.Summary}); joining again");
                    result = await TrainingSession.RunAsync(session, cancel);
                }
                var ended = result.Ended;
                if (ended.Success)
                    Console.WriteLine($"run {ended.RunId} ended: {ended.Summary.Split('\n')[0]}");
                else
                    Console.Error.WriteLine($"error: {ended.Summary.Split('\n')[0]}");
                return ended.Success ? ExitCodes.Success : ExitCodes.RunFailed;
            }
            var (runEnded, outcome) = await reporter!.ShowWhile(() => TrainingSession.RunAsync(session, cancel));
            if (!runEnded.Success)
                return RunReport.Fail(runEnded, outcome);
            if (storeOptions is null || !roleList.Contains(Roles.ParameterServer))
            {
                Console.WriteLine(runEnded.Summary.Split('\n')[0]);
                if (outcome?.TimingLine is { } timing)
                    Console.WriteLine(timing);
                Console.WriteLine(outcome?.SummaryLine ?? runEnded.Summary.Split('\n')[^1]);
                return ExitCodes.Success;
            }
            return await RunReport.FinishAsync(runEnded, outcome, storeOptions, plan.Request.RunId, p.GetValue(samples));
        }));
        return command;
    }

    /// <summary>
    /// A worker node needs no run options; those it is given (model shape, corpus) are what it
    /// expects, and a run that differs is refused rather than trained silently.
    /// </summary>
    private static async Task<WorkerExpectations> Expectations(ParseResult p, RunArguments run, StoreOptions? store, ulong? seed)
    {
        string? corpusHash = null;
        if (RunArguments.Given(p, run.Corpus) || RunArguments.Given(p, run.Dataset))
            corpusHash = (await RunPlanner.PlanAsync(p, run, store, seed, startsRun: false)).Request.Definition.CorpusHash;
        return new WorkerExpectations(
            RunArguments.Given(p, run.Cell) ? RunArguments.ParseCell(p.GetValue(run.Cell)!) : null,
            RunArguments.Given(p, run.Embed) ? p.GetValue(run.Embed) : null,
            RunArguments.Given(p, run.Hidden) ? p.GetValue(run.Hidden) : null,
            RunArguments.Given(p, run.Layers) ? p.GetValue(run.Layers) : null,
            RunArguments.Given(p, run.Dropout) ? p.GetValue(run.Dropout) : null,
            corpusHash);
    }

    private static ClusterCredential LoadCredential(string path, string? password)
    {
        try
        {
            return ClusterCredential.Load(path, password);
        }
        catch (Exception e) when (e is FileNotFoundException or InvalidDataException)
        {
            throw new UsageException(e.Message);
        }
    }

    private static void CheckPort(int port, string option)
    {
        if (port is < 0 or > 65535)
            throw new UsageException($"{option} must be a TCP port, 0..65535, not {port}.");
    }

    private static StoreOptions ReadStore(ParseResult p, StoreArguments store)
    {
        if (p.GetValue(store.Connection) is null && ConfiguredDefaults.Lookup("connection") is { } connection)
            return StoreOptions.Postgres(connection);
        if (p.GetValue(store.Db) is null && ConfiguredDefaults.Lookup("db") is { } db)
            return StoreOptions.Sqlite(db);
        return store.Read(p);
    }

    internal static List<string> ParseRoles(string text)
    {
        var roles = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(r => r.ToLowerInvariant()).Distinct().ToList();
        if (roles.Count == 0)
            throw new UsageException("--roles needs at least one of coordinator, ps, worker.");
        foreach (var role in roles.Where(r => !Roles.All.Contains(r)))
            throw new UsageException($"Unknown role '{role}'; roles are coordinator, ps and worker.");
        return roles;
    }

    /// <summary>`--seed` is both the seed-node address (node) and the run seed (train): tell them apart by form.</summary>
    internal static (List<string> Addresses, ulong? RunSeed) SplitSeeds(IEnumerable<string> values)
    {
        var addresses = new List<string>();
        ulong? runSeed = null;
        foreach (var value in values)
        {
            if (value.Contains("://", StringComparison.Ordinal))
            {
                if (!value.StartsWith("akka.tcp://rnncluster@", StringComparison.Ordinal) && !value.StartsWith("akka.ssl.tcp://rnncluster@", StringComparison.Ordinal))
                    throw new UsageException($"Seed node '{value}' must look like akka.tcp://rnncluster@HOST:PORT.");
                addresses.Add(value);
            }
            else if (ulong.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out ulong number))
                runSeed = number;
            else
                throw new UsageException($"--seed '{value}' is neither a seed node (akka.tcp://rnncluster@HOST:PORT) nor a run seed (a number).");
        }
        return (addresses, runSeed);
    }
}
