using System.Data.Common;
using RnnCluster.Cli.Commands;
using RnnCluster.Training.Node;
using YamlDotNet.RepresentationModel;
using static RnnCluster.Cli.Tests.KubernetesManifests;

namespace RnnCluster.Cli.Tests;

/// <summary>
/// deploy/k8s checked without a Kubernetes cluster, as docker-compose.yml is: every RnnCluster
/// container's arguments and environment (ConfigMaps, Secrets, the downward API) are accepted by
/// the real parser and settings binder; probes, ports, Services, discovery's pod selector, RBAC,
/// the PostgreSQL connection and the optional ServiceMonitor fit together.
/// </summary>
[Collection(ConfiguredDefaultsCollection.Name)]
public sealed class KubernetesManifestTests
{
    private static readonly string Directory = Path.Combine(DockerComposeTests.Root, "deploy", "k8s");

    private static readonly string[] SettingSections = ["coordinator", "parameterserver", "worker", "node"];

    /// <summary>One container that runs `rnncluster node`, read through the real parser.</summary>
    private sealed record NodeContainer(
        ManifestObject Workload, YamlMappingNode Container, Dictionary<string, string> Environment, List<string> Roles, string Host, int Port, int BulkPort,
        string? PublicHost, string Discovery, List<string> Seeds, string PodSelector, string? PodNamespace, int ContactPoints,
        string? Http, string? TokenFile, string? Connection)
    {
        public override string ToString() => Workload.ToString();
    }

    [Fact]
    public void Every_object_is_namespace_agnostic_uniquely_named_and_typed_as_Kubernetes_reads_it()
    {
        var manifests = Load(Directory);
        Assert.NotEmpty(manifests.Objects);
        foreach (var o in manifests.Objects)
        {
            Assert.True(o.Kind.Length > 0 && o.Name.Length > 0 && Text(o.Root, "apiVersion") is not null, $"{o}: apiVersion, kind and metadata.name are required");
            Assert.True(o.Kind != "Namespace" && Text(o.Root.Get("metadata"), "namespace") is null, $"{o}: names a namespace; the manifests apply to whichever one `kubectl -n` chooses");
        }
        foreach (var group in manifests.Objects.GroupBy(o => (o.Kind, o.Name)).Where(g => g.Count() > 1))
            Assert.Fail($"{group.Key.Kind} '{group.Key.Name}' is defined {group.Count()} times");
        // ConfigMap values and env values are strings: an unquoted 4053 or true is refused by the API server.
        foreach (var o in manifests.OfKind("ConfigMap").Concat(manifests.OfKind("Secret")))
            foreach (string field in new[] { "data", "stringData" })
                if (o.Root.Get(field) is YamlMappingNode data)
                    foreach (var (key, value) in data.Children.Where(kv => IsUnquotedNonString(kv.Value)))
                        Assert.Fail($"{o}: {field}.{key} = {value} is not a string; quote it");
        foreach (var workload in manifests.Workloads)
            foreach (var container in Containers(workload, withInit: true))
                foreach (var variable in Items(container.Get("env")).Where(v => v.Get("value") is { } value && IsUnquotedNonString(value)))
                    Assert.Fail($"{workload}: env {Text(variable, "name")} = {Text(variable, "value")} is not a string; quote it");
    }

    [Fact]
    public void Every_rnncluster_container_command_line_and_environment_is_accepted_by_the_real_parser()
    {
        var nodes = NodeContainers(Load(Directory));
        Assert.Contains(nodes, n => n.Roles.Contains(Roles.Coordinator) && n.Roles.Contains(Roles.ParameterServer));
        Assert.Contains(nodes, n => n.Roles.SequenceEqual([Roles.Worker]));
        foreach (var node in nodes)
        {
            Assert.True(node.Discovery == DiscoveryArguments.Kubernetes, $"{node}: --discovery {node.Discovery}; pods have no addresses to give as --seed");
            Assert.True(node.Seeds.Count == 0, $"{node}: seed nodes {string.Join(", ", node.Seeds)} together with --discovery kubernetes are refused");
            Assert.True(node.Host is "0.0.0.0", $"{node}: binds --host {node.Host}; other pods cannot reach it (use 0.0.0.0)");
            Assert.True(node.PublicHost == PodIp, $"{node}: advertises --public-host {node.PublicHost ?? "(none)"}; it must be the pod's IP (RNNCLUSTER_PUBLIC_HOST from status.podIP), which discovery finds too");
        }
        foreach (var coordinator in nodes.Where(n => n.Roles.Contains(Roles.Coordinator) || n.Roles.Contains(Roles.ParameterServer)))
        {
            Assert.True(coordinator.Workload.Kind == "StatefulSet" && Text(coordinator.Workload.Root.Get("spec"), "replicas") == "1",
                $"{coordinator}: the coordinator and parameter server run once: a StatefulSet with replicas: 1");
        }
    }

    [Fact]
    public void Probes_and_ports_point_at_what_the_node_listens_on()
    {
        var manifests = Load(Directory);
        foreach (var node in NodeContainers(manifests))
        {
            var ports = Ports(node.Container);
            void Declared(string name, int port, string what) =>
                Assert.True(ports.TryGetValue(name, out int declared) && declared == port, $"{node}: {what} listens on {port}; declare it as containerPort {port} named '{name}' (declared: {string.Join(", ", ports.Select(p => $"{p.Key}={p.Value}"))})");
            Declared(PodDiscoveryOptions.RemotingPortName, node.Port, "Akka.Remote (--port), which discovery finds by this port name,");
            Declared("bulk", node.BulkPort, "the bulk channel (--bulk-port)");

            Assert.True(node.Http is not null, $"{node}: no --http, so nothing answers the probes or /metrics");
            var (httpHost, httpPort) = HttpArguments.ParseHostPort(node.Http!);
            Assert.True(httpHost == "0.0.0.0", $"{node}: --http binds {httpHost}; the kubelet and Prometheus connect to the pod's IP");
            Declared("http", httpPort, "--http (dashboard, /metrics, /healthz, /ready)");
            foreach (var (probe, path) in new[] { ("livenessProbe", "/healthz"), ("readinessProbe", "/ready") })
            {
                var get = node.Container.Get(probe)?.Get("httpGet");
                Assert.True(get is not null, $"{node}: no {probe} with httpGet");
                Assert.True(Text(get, "path") == path, $"{node}: {probe} asks {Text(get, "path")}, not {path}");
                string port = Text(get, "port")!;
                Assert.True(ports.TryGetValue(port, out int number) ? number == httpPort : port == httpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    $"{node}: {probe} goes to port {port}, not the --http port {httpPort}");
            }

            // --http beyond loopback needs the token: a file from a mounted Secret that holds the key.
            Assert.True(node.TokenFile is not null || node.Environment.ContainsKey(HttpArguments.TokenVariable), $"{node}: --http {node.Http} without --http-token-file or {HttpArguments.TokenVariable} is refused");
            if (node.TokenFile is { } tokenFile)
            {
                var mount = Items(node.Container.Get("volumeMounts")).SingleOrDefault(m => tokenFile.StartsWith(Text(m, "mountPath")!.TrimEnd('/') + "/", StringComparison.Ordinal));
                Assert.True(mount is not null, $"{node}: --http-token-file {tokenFile} is not under any volumeMount");
                var volume = Items(PodSpec(node.Workload).Get("volumes")).Single(v => Text(v, "name") == Text(mount, "name"));
                string? secret = Text(volume.Get("secret"), "secretName");
                Assert.True(secret is not null, $"{node}: the volume holding --http-token-file is not a Secret");
                string key = tokenFile[(Text(mount, "mountPath")!.TrimEnd('/').Length + 1)..];
                Assert.True(manifests.Find("Secret", secret!) is { } holder && Data(holder).GetValueOrDefault(key) is { Length: > 0 },
                    $"{node}: --http-token-file {tokenFile} is key '{key}' of Secret '{secret}', which deploy/k8s does not define with a value");
            }
        }
    }

    [Fact]
    public void The_discovery_selector_matches_every_rnncluster_pod_and_no_other()
    {
        var manifests = Load(Directory);
        var nodes = NodeContainers(manifests);
        var nodeWorkloads = nodes.Select(n => n.Workload).Distinct().ToList();
        var others = manifests.Workloads.Except(nodeWorkloads).ToList();
        Assert.NotEmpty(others); // PostgreSQL, which must stay out of the cluster
        int initialPods = nodeWorkloads.Sum(w => int.Parse(Text(w.Root.Get("spec"), "replicas") ?? "1", System.Globalization.CultureInfo.InvariantCulture));
        foreach (var node in nodes)
        {
            foreach (var workload in nodeWorkloads)
                Assert.True(Matches(node.PodSelector, PodLabels(workload)), $"{node}: --pod-selector {node.PodSelector} does not find the pods of {workload}, which would never join");
            foreach (var workload in others)
                Assert.False(Matches(node.PodSelector, PodLabels(workload)), $"{node}: --pod-selector {node.PodSelector} also finds {workload}, which is no RnnCluster node");
            Assert.True(node.PodNamespace is null, $"{node}: --pod-namespace {node.PodNamespace}; leave it out so that the pod's own namespace is used");
            Assert.True(node.ContactPoints <= initialPods, $"{node}: --contact-points {node.ContactPoints}, but the manifests start {initialPods} RnnCluster pods: no cluster would form");
        }
    }

    [Fact]
    public void Rbac_lets_the_pods_service_account_get_list_and_watch_pods()
    {
        var manifests = Load(Directory);
        foreach (var workload in NodeContainers(manifests).Select(n => n.Workload).Distinct())
        {
            var spec = PodSpec(workload);
            string? account = Text(spec, "serviceAccountName");
            Assert.True(account is not null && manifests.Find("ServiceAccount", account) is not null, $"{workload}: serviceAccountName '{account}' is not a ServiceAccount of deploy/k8s");
            Assert.True(Text(spec, "automountServiceAccountToken") != "false", $"{workload}: discovery reads the service account's token and namespace; do not turn off their mount");
            var grants = manifests.OfKind("RoleBinding")
                .Where(b => Items(b.Root.Get("subjects")).Any(s => Text(s, "kind") == "ServiceAccount" && Text(s, "name") == account && Text(s, "namespace") is null))
                .Select(b => b.Root.Get("roleRef"))
                .Where(r => Text(r, "kind") == "Role")
                .Select(r => manifests.Find("Role", Text(r, "name")!))
                .Where(r => r is not null)
                .SelectMany(r => Items(r!.Root.Get("rules")))
                .Where(rule => Strings(rule.Get("apiGroups")).Contains("") && Strings(rule.Get("resources")).Contains("pods"))
                .SelectMany(rule => Strings(rule.Get("verbs")))
                .ToHashSet();
            foreach (string verb in new[] { "get", "list", "watch" })
                Assert.True(grants.Contains(verb) || grants.Contains("*"), $"{workload}: service account '{account}' may not {verb} pods (a RoleBinding without a subject namespace to a Role granting it)");
        }
    }

    [Fact]
    public void Services_select_pods_that_declare_their_target_ports()
    {
        var manifests = Load(Directory);
        foreach (var service in manifests.OfKind("Service"))
        {
            var selector = StringMap(service.Root.Get("spec")?.Get("selector"));
            Assert.True(selector.Count > 0, $"{service}: no selector");
            var selected = manifests.Workloads.Where(w => selector.All(s => PodLabels(w).TryGetValue(s.Key, out string? v) && v == s.Value)).ToList();
            Assert.True(selected.Count > 0, $"{service}: its selector matches no pod template");
            foreach (var port in Items(service.Root.Get("spec")?.Get("ports")))
            {
                string target = Text(port, "targetPort") ?? Text(port, "port")!;
                foreach (var workload in selected)
                    Assert.True(Containers(workload).Any(c => Ports(c).ContainsKey(target) || Ports(c).Values.Any(n => n.ToString(System.Globalization.CultureInfo.InvariantCulture) == target)),
                        $"{service}: port {Text(port, "name")} targets {target}, which no container of {workload} declares");
            }
        }
        foreach (var set in manifests.OfKind("StatefulSet"))
        {
            string? name = Text(set.Root.Get("spec"), "serviceName");
            var governing = name is null ? null : manifests.Find("Service", name);
            Assert.True(governing is not null, $"{set}: serviceName '{name}' is not a Service of deploy/k8s");
        }
        var nodesService = manifests.Find("StatefulSet", NodeContainers(manifests).First(n => n.Roles.Contains(Roles.Coordinator)).Workload.Name)!;
        var headless = manifests.Find("Service", Text(nodesService.Root.Get("spec"), "serviceName")!)!;
        Assert.True(Text(headless.Root.Get("spec"), "clusterIP") == "None", $"{headless}: the coordinator's governing Service must be headless");
    }

    [Fact]
    public void The_parameter_server_checkpoints_into_the_postgres_service_once_it_is_ready()
    {
        var manifests = Load(Directory);
        var postgres = manifests.Workloads.Where(w => Containers(w).Any(c => (Text(c, "image") ?? "").StartsWith("postgres", StringComparison.Ordinal))).ToList();
        var database = Assert.Single(postgres);
        var container = Containers(database).Single();
        var environment = manifests.Environment(database, container);
        string user = environment.GetValueOrDefault("POSTGRES_USER", "postgres");
        Assert.Contains("pg_isready", string.Join(' ', Strings(container.Get("readinessProbe")?.Get("exec")?.Get("command"))), StringComparison.Ordinal);
        var service = manifests.OfKind("Service").Single(s => StringMap(s.Root.Get("spec")?.Get("selector")).All(kv => PodLabels(database).GetValueOrDefault(kv.Key) == kv.Value));
        string port = Text(Items(service.Root.Get("spec")?.Get("ports")).Single(), "port")!;

        var servers = NodeContainers(manifests).Where(n => n.Roles.Contains(Roles.ParameterServer)).ToList();
        Assert.NotEmpty(servers);
        foreach (var node in servers)
        {
            Assert.True(node.Connection is not null, $"{node}: the parameter server has no --connection / RNNCLUSTER_CONNECTION: its checkpoints would live in a SQLite file inside the pod");
            var connection = new DbConnectionStringBuilder { ConnectionString = node.Connection };
            void Expect(string? expected, string? actual, string part) =>
                Assert.True(expected == actual, $"{node}: the connection string's {part} is '{actual}', PostgreSQL's is '{expected}'");
            Expect(service.Name, Value(connection, "Host", "Server"), "host (the postgres Service)");
            Expect(port, Value(connection, "Port") ?? "5432", "port");
            Expect(user, Value(connection, "Username", "User ID", "UserName"), "user (POSTGRES_USER)");
            Expect(environment["POSTGRES_PASSWORD"], Value(connection, "Password"), "password (the Secret)");
            Expect(environment.GetValueOrDefault("POSTGRES_DB", user), Value(connection, "Database"), "database (POSTGRES_DB)");
            // The node refuses an unreachable store before anything starts: wait for the server first.
            var waits = Items(PodSpec(node.Workload).Get("initContainers"))
                .Select(c => string.Join(' ', Strings(c.Get("command")).Concat(Strings(c.Get("args")))))
                .Any(command => command.Contains("pg_isready", StringComparison.Ordinal) && command.Contains($"-h {service.Name}", StringComparison.Ordinal));
            Assert.True(waits, $"{node}: no init container waits for `pg_isready -h {service.Name}`");
        }
    }

    [Fact]
    public void The_optional_service_monitor_scrapes_metrics_of_every_node_with_the_token()
    {
        var manifests = Load(Directory);
        var monitors = manifests.OfKind("ServiceMonitor").ToList();
        var monitor = Assert.Single(monitors);
        // `kubectl apply -f deploy/k8s/` does not descend into folders: a cluster without the operator's CRDs applies the rest cleanly.
        Assert.Contains('/', monitor.File);
        var labels = StringMap(monitor.Root.Get("spec")?.Get("selector")?.Get("matchLabels"));
        var service = Assert.Single(manifests.OfKind("Service"), s => labels.All(l => StringMap(s.Root.Get("metadata")?.Get("labels")).GetValueOrDefault(l.Key) == l.Value));
        var nodeWorkloads = NodeContainers(manifests).Select(n => n.Workload).Distinct();
        var selector = StringMap(service.Root.Get("spec")?.Get("selector"));
        foreach (var workload in nodeWorkloads)
            Assert.True(selector.All(s => PodLabels(workload).GetValueOrDefault(s.Key) == s.Value), $"{monitor}: {service} does not select {workload}, whose /metrics would not be scraped");
        var tokenSecrets = NodeContainers(manifests).Select(n => Items(PodSpec(n.Workload).Get("volumes")).Select(v => Text(v.Get("secret"), "secretName")).FirstOrDefault(s => s is not null)).ToHashSet();
        foreach (var endpoint in Items(monitor.Root.Get("spec")?.Get("endpoints")))
        {
            Assert.Equal("/metrics", Text(endpoint, "path"));
            Assert.Contains(Items(service.Root.Get("spec")?.Get("ports")), p => Text(p, "name") == Text(endpoint, "port") && Text(p, "targetPort") == "http");
            var credentials = endpoint.Get("authorization")?.Get("credentials");
            Assert.True(credentials is not null && tokenSecrets.Contains(Text(credentials, "name")), $"{monitor}: the endpoint does not send the nodes' HTTP token");
            Assert.NotEmpty(manifests.KeyValue("Secret", Text(credentials, "name")!, Text(credentials, "key")!));
        }
    }

    private static List<NodeContainer> NodeContainers(KubernetesManifests manifests)
    {
        var result = new List<NodeContainer>();
        foreach (var workload in manifests.Workloads)
            foreach (var container in Containers(workload).Where(c => (Text(c, "image") ?? "").StartsWith("rnncluster", StringComparison.Ordinal)))
            {
                var environment = manifests.Environment(workload, container);
                // The image's ENTRYPOINT is `dotnet /app/rnncluster.dll` (checked by DockerComposeTests); args follow it.
                Assert.True(container.Get("command") is null, $"{workload}: `command` replaces the image's entrypoint; give only args");
                var args = Strings(container.Get("args")).Select(a => Expand(a, environment)).ToArray();
                result.Add(Parse(workload, container, args, environment));
            }
        Assert.NotEmpty(result);
        return result;
    }

    /// <summary>Parses as Program.cs does (settings first, then the root command) and reads every option's value.</summary>
    private static NodeContainer Parse(ManifestObject workload, YamlMappingNode container, string[] args, Dictionary<string, string> environment)
    {
        try
        {
            ConfiguredDefaults.Load(args, environment);
            var parsed = CliApp.BuildRoot().Parse(args);
            Assert.True(parsed.Errors.Count == 0, $"{workload}: `rnncluster {string.Join(' ', args)}` is refused: {string.Join("; ", parsed.Errors.Select(e => e.Message))}");
            var command = parsed.CommandResult.Command;
            Assert.True(command.Name == "node", $"{workload}: runs `{command.Name}`, not `node`");
            foreach (var option in command.Options)
            {
                try
                {
                    _ = parsed.GetValue<object>(option.Name);
                }
                catch (UsageException e)
                {
                    Assert.Fail($"{workload}: {e.Message}");
                }
            }
            try
            {
                _ = ConfiguredDefaults.Settings();
            }
            catch (UsageException e)
            {
                Assert.Fail($"{workload}: {e.Message}");
            }
            var names = command.Options.Select(o => o.Name).ToHashSet();
            foreach (var (key, value) in environment.Where(v => v.Key.StartsWith(ConfiguredDefaults.EnvironmentPrefix, StringComparison.Ordinal)))
            {
                string rest = key[ConfiguredDefaults.EnvironmentPrefix.Length..];
                bool known = rest.Contains("__", StringComparison.Ordinal)
                    ? SettingSections.Contains(rest[..rest.IndexOf("__", StringComparison.Ordinal)].Replace("_", "", StringComparison.Ordinal).ToLowerInvariant())
                    : key == HttpArguments.TokenVariable || names.Contains(DockerComposeTests.OptionName(rest));
                Assert.True(known, $"{workload}: {key} is neither an option of `node` nor a setting (docs/operations.md) and would be ignored");
                Assert.True(value.Length > 0, $"{workload}: {key} is empty");
            }
            var roles = NodeCommand.ParseRoles(parsed.GetValue<string>("--roles")!);
            var (seeds, _) = NodeCommand.SplitSeeds([.. parsed.GetValue<string[]>("--seed") ?? [], .. parsed.GetValue<string[]>("--seed-node") ?? []]);
            int port = parsed.GetValue<int>("--port");
            return new NodeContainer(workload, container, environment, roles, parsed.GetValue<string>("--host")!, port,
                parsed.GetValue<int?>("--bulk-port") ?? port + 1, parsed.GetValue<string>("--public-host"), parsed.GetValue<string>("--discovery")!.ToLowerInvariant(), seeds,
                parsed.GetValue<string>("--pod-selector")!, parsed.GetValue<string>("--pod-namespace"), parsed.GetValue<int>("--contact-points"),
                parsed.GetValue<string>("--http"), parsed.GetValue<string>("--http-token-file"), parsed.GetValue<string>("--connection") ?? ConfiguredDefaults.Lookup("connection"));
        }
        catch (UsageException e)
        {
            Assert.Fail($"{workload}: {e.Message}");
            throw;
        }
        finally
        {
            ConfiguredDefaults.Load([], new Dictionary<string, string>());
        }
    }

    private static string? Value(DbConnectionStringBuilder connection, params string[] keys)
    {
        foreach (string key in keys)
            if (connection.TryGetValue(key, out object? value))
                return value?.ToString();
        return null;
    }
}
