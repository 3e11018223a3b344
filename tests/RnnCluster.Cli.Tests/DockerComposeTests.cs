using System.CommandLine;
using System.Data.Common;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using RnnCluster.Cli.Commands;
using YamlDotNet.RepresentationModel;

namespace RnnCluster.Cli.Tests;

/// <summary>
/// docker-compose.yml, deploy/Dockerfile and config/*.json checked against the real command-line
/// parser (the one Program.cs builds), without Docker: every node's command line with its
/// environment applied parses and has valid values, every seed address names a service that
/// listens there, the connection string names the postgres service, and the image runs the CLI.
/// </summary>
[Collection(ConfiguredDefaultsCollection.Name)]
public sealed partial class DockerComposeTests
{
    /// <summary>What `$HOSTNAME` stands for in a container: Docker's default hostname, the short container id (resolvable on the network).</summary>
    private const string ContainerHostname = "0123456789ab";

    /// <summary>ConfiguredDefaults is process-wide: one check at a time.</summary>
    private static readonly Lock ConfigurationLock = new();

    internal static readonly string Root = FindRepositoryRoot();

    [Fact]
    public void Every_rnncluster_service_command_line_is_accepted_by_the_real_parser()
    {
        var compose = Compose.Load(Root);
        var nodes = NodeServices(compose);
        Assert.NotEmpty(nodes);
        foreach (var node in nodes)
        {
            Assert.Equal("node", node.Command);
            Assert.True(node.Host is "0.0.0.0" or "*", $"service '{node.Service}' binds --host {node.Host}: other containers cannot reach it (use 0.0.0.0)");
            Assert.False(string.IsNullOrEmpty(node.PublicHost) || node.PublicHost == "0.0.0.0",
                $"service '{node.Service}' has no --public-host: it would advertise {node.Host}, which peers cannot connect to");
        }
    }

    [Fact]
    public void Every_seed_names_a_service_listening_at_that_address()
    {
        var compose = Compose.Load(Root);
        var nodes = NodeServices(compose).ToDictionary(n => n.Service);
        var seedTargets = new HashSet<string>();
        foreach (var node in nodes.Values)
        {
            foreach (string seed in node.Seeds)
            {
                var match = SeedAddress().Match(seed);
                Assert.True(match.Success, $"service '{node.Service}': seed '{seed}' is not akka.tcp://rnncluster@HOST:PORT");
                string host = match.Groups["host"].Value;
                int port = int.Parse(match.Groups["port"].Value, System.Globalization.CultureInfo.InvariantCulture);
                Assert.True(nodes.TryGetValue(host, out var target), $"service '{node.Service}': seed host '{host}' is not an rnncluster service (services: {string.Join(", ", nodes.Keys)})");
                Assert.True(target!.Port == port, $"service '{node.Service}' seeds {seed}, but service '{host}' listens on --port {target.Port}");
                Assert.True(target.PublicHost == host, $"service '{node.Service}' seeds {seed}, but service '{host}' advertises --public-host {target.PublicHost ?? "(none)"}: Akka would refuse the join");
                Assert.True(compose.Replicas(host) <= 1, $"seed service '{host}' has several replicas: the seed address would be ambiguous");
                Assert.True(compose.Networks(node.Service).Overlaps(compose.Networks(host)), $"services '{node.Service}' and '{host}' share no network");
                seedTargets.Add(host);
            }
        }
        Assert.NotEmpty(seedTargets);
        foreach (var node in nodes.Values.Where(n => !seedTargets.Contains(n.Service)))
        {
            Assert.True(node.Seeds.Count > 0, $"service '{node.Service}' has no --seed and is nobody's seed: it would found a cluster of its own");
            // A joining node may be scaled: it must advertise its own container's name, not the service's (shared by every replica).
            Assert.True(node.PublicHost == ContainerHostname,
                $"service '{node.Service}' advertises --public-host {node.PublicHost}; replicas of a scalable service need their own container hostname ($HOSTNAME)");
        }
    }

    [Fact]
    public void The_checkpoint_store_is_the_healthy_postgres_service()
    {
        var compose = Compose.Load(Root);
        var postgres = compose.ServiceNames.Where(s => (compose.Scalar(s, "image") ?? "").StartsWith("postgres", StringComparison.Ordinal)).ToList();
        Assert.Single(postgres);
        string pg = postgres[0];
        var test = compose.Service(pg).Get("healthcheck")?.Get("test");
        Assert.True(test is not null && Compose.Strings(test).Any(t => t.Contains("pg_isready", StringComparison.Ordinal)), $"service '{pg}' has no pg_isready health check");
        var pgEnvironment = compose.Environment(pg);
        string user = pgEnvironment.GetValueOrDefault("POSTGRES_USER", "postgres");

        var nodes = NodeServices(compose);
        Assert.Contains(nodes, n => n.Roles.Contains("ps"));
        foreach (var node in nodes.Where(n => n.Roles.Contains("ps") || n.Connection is not null))
        {
            Assert.True(node.Connection is not null, $"service '{node.Service}' hosts the parameter server without --connection / RNNCLUSTER_CONNECTION: its checkpoints would live in a SQLite file inside the container");
            var connection = new DbConnectionStringBuilder { ConnectionString = node.Connection };
            void Expect(string? expected, string? actual, string part) =>
                Assert.True(expected == actual, $"service '{node.Service}': the connection string's {part} is '{actual}', the postgres service's is '{expected}'");
            Expect(pg, Value(connection, "Host", "Server"), "host");
            Expect("5432", Value(connection, "Port") ?? "5432", "port");
            Expect(user, Value(connection, "Username", "User ID", "User Id", "UserName"), "user (POSTGRES_USER)");
            Expect(pgEnvironment.GetValueOrDefault("POSTGRES_PASSWORD"), Value(connection, "Password"), "password (POSTGRES_PASSWORD)");
            Expect(pgEnvironment.GetValueOrDefault("POSTGRES_DB", user), Value(connection, "Database"), "database (POSTGRES_DB)");
            Assert.True(compose.Networks(node.Service).Overlaps(compose.Networks(pg)), $"services '{node.Service}' and '{pg}' share no network");
            Assert.True(compose.DependsOn(node.Service).TryGetValue(pg, out string? condition) && condition == "service_healthy",
                $"service '{node.Service}' must depend on '{pg}' with condition service_healthy (got {condition ?? "no dependency"})");
        }
    }

    [Fact]
    public void The_image_publishes_the_cli_project_and_runs_rnncluster_dll()
    {
        var dockerfile = Dockerfile.Load(Path.Combine(Root, "deploy", "Dockerfile"));
        Assert.StartsWith("mcr.microsoft.com/dotnet/sdk:10.0", dockerfile.From[0], StringComparison.Ordinal);
        // The ASP.NET Core runtime, which the dashboard's shared framework needs (the plain runtime image lacks it).
        Assert.StartsWith("mcr.microsoft.com/dotnet/aspnet:10.0", dockerfile.From[^1], StringComparison.Ordinal);
        Assert.True(dockerfile.Entrypoint is ["dotnet", var dll] && Path.GetFileName(dll) == "rnncluster.dll",
            $"deploy/Dockerfile: ENTRYPOINT [{string.Join(", ", dockerfile.Entrypoint)}] does not run `dotnet rnncluster.dll`");

        string project = Assert.Single(dockerfile.PublishedProjects);
        Assert.True(project.TrimEnd('/') == "src/RnnCluster.Cli", $"deploy/Dockerfile publishes '{project}', not the CLI project src/RnnCluster.Cli");
        string csproj = File.ReadAllText(Path.Combine(Root, "src", "RnnCluster.Cli", "RnnCluster.Cli.csproj"));
        Assert.Contains("<AssemblyName>rnncluster</AssemblyName>", csproj, StringComparison.Ordinal);

        // What the build stage copies exists, and the restore step sees every project the CLI references.
        foreach (string source in dockerfile.CopySources)
            Assert.True(File.Exists(Path.Combine(Root, source)) || Directory.Exists(Path.Combine(Root, source)), $"deploy/Dockerfile copies '{source}', which does not exist");
        foreach (string reference in ProjectClosure("src/RnnCluster.Cli/RnnCluster.Cli.csproj"))
            Assert.True(dockerfile.CopySources.Contains(reference), $"deploy/Dockerfile does not copy {reference} before `dotnet restore`");

        string ignore = File.ReadAllText(Path.Combine(Root, ".dockerignore"));
        foreach (string pattern in new[] { "bin/", "obj/", "*.db", "TestResults/" })
            Assert.Contains(pattern, ignore, StringComparison.Ordinal);

        // Services built here use this Dockerfile, and a shell entrypoint runs the same file.
        var compose = Compose.Load(Root);
        foreach (string service in compose.ServiceNames.Where(s => compose.Service(s).Get("build") is not null))
        {
            var build = compose.Service(service).Get("build")!;
            string context = build is YamlScalarNode s ? s.Value! : build.Get("context") is YamlScalarNode c ? c.Value! : ".";
            string file = build.Get("dockerfile") is YamlScalarNode d ? d.Value! : "Dockerfile";
            Assert.Equal(Path.GetFullPath(Path.Combine(Root, "deploy", "Dockerfile")), Path.GetFullPath(Path.Combine(Root, context, file)));
            Assert.Equal(Path.GetFullPath(Root), Path.GetFullPath(Path.Combine(Root, context)).TrimEnd(Path.DirectorySeparatorChar));
        }
        foreach (var node in NodeServices(compose))
            Assert.True(node.Dll == dockerfile.Entrypoint[1], $"service '{node.Service}' runs {node.Dll}, the image has {dockerfile.Entrypoint[1]}");
    }

    [Fact]
    public void The_example_config_files_are_accepted_by_the_node_command()
    {
        string directory = Path.Combine(Root, "config");
        var files = Directory.GetFiles(directory, "*.json").Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["cluster-coordinator.json", "cluster-worker.json", "local.json", "postgres.json"], files.Select(Path.GetFileName));
        foreach (string file in files)
        {
            using (var json = JsonDocument.Parse(File.ReadAllText(file)))
            {
                var options = NodeOptionNames();
                foreach (var property in json.RootElement.EnumerateObject())
                    Assert.True(options.Contains(OptionName(property.Name)), $"{Path.GetFileName(file)}: '{property.Name}' is not an option of `node`");
            }
            var node = ParseNode(Path.GetFileName(file), ["node", "--config", file], new Dictionary<string, string>(), "");
            if (node.Connection is { } connection)
                Assert.DoesNotContain(Value(new DbConnectionStringBuilder { ConnectionString = connection }, "Password") ?? "", new[] { "rnncluster", "postgres", "password", "secret" });
        }
    }

    /// <summary>One rnncluster service: its command line and environment, read through the real parser.</summary>
    private sealed record NodeService(
        string Service, string Dll, string Command, IReadOnlyList<string> Roles, string? Host, int Port,
        string? PublicHost, IReadOnlyList<string> Seeds, string? Connection);

    private static List<NodeService> NodeServices(Compose compose)
    {
        var entrypoint = Dockerfile.Load(Path.Combine(Root, "deploy", "Dockerfile")).Entrypoint;
        var result = new List<NodeService>();
        foreach (string service in compose.RnnclusterServices())
        {
            var environment = compose.Environment(service);
            environment.TryAdd("HOSTNAME", ContainerHostname); // Docker sets it in every container
            var (dll, args) = CommandLine(service, compose, entrypoint, environment);
            result.Add(ParseNode($"service '{service}'", args, environment, dll) with { Service = service });
        }
        return result;
    }

    /// <summary>Parses as Program.cs does (configuration first, then the root command) and reads every option's value.</summary>
    private static NodeService ParseNode(string what, string[] args, IReadOnlyDictionary<string, string> environment, string dll)
    {
        lock (ConfigurationLock)
        {
            try
            {
                ConfiguredDefaults.Load(args, environment);
                var parsed = CliApp.BuildRoot().Parse(args);
                Assert.True(parsed.Errors.Count == 0, $"{what}: `rnncluster {string.Join(' ', args)}` is refused: {string.Join("; ", parsed.Errors.Select(e => e.Message))}");
                var command = parsed.CommandResult.Command;
                foreach (var option in command.Options)
                {
                    try
                    {
                        _ = parsed.GetValue<object>(option.Name);
                    }
                    catch (UsageException e)
                    {
                        Assert.Fail($"{what}: {e.Message}");
                    }
                }
                var names = command.Options.Select(o => o.Name).ToHashSet();
                foreach (var (key, value) in environment.Where(v => v.Key.StartsWith(ConfiguredDefaults.EnvironmentPrefix, StringComparison.OrdinalIgnoreCase)))
                {
                    Assert.True(names.Contains(OptionName(key[ConfiguredDefaults.EnvironmentPrefix.Length..])), $"{what}: {key} is not an option of `{command.Name}` and would be ignored");
                    Assert.True(value.Length > 0, $"{what}: {key} is set to an empty value (list it without a value to pass it through only when set)");
                }
                if (command.Name != "node")
                    return new NodeService(what, dll, command.Name, [], null, 0, null, [], null);

                var roles = NodeCommand.ParseRoles(parsed.GetValue<string>("--roles")!);
                var (seeds, _) = NodeCommand.SplitSeeds([.. parsed.GetValue<string[]>("--seed") ?? [], .. parsed.GetValue<string[]>("--seed-node") ?? []]);
                string? connection = parsed.GetValue<string>("--connection") ?? ConfiguredDefaults.Lookup("connection");
                return new NodeService(what, dll, command.Name, roles, parsed.GetValue<string>("--host"), parsed.GetValue<int>("--port"),
                    parsed.GetValue<string>("--public-host"), seeds, connection);
            }
            catch (UsageException e)
            {
                Assert.Fail($"{what}: {e.Message}");
                throw;
            }
            finally
            {
                ConfiguredDefaults.Load([], new Dictionary<string, string>());
            }
        }
    }

    /// <summary>The arguments the CLI receives: the entrypoint's (image's or service's, through `sh -c` if so) then the command's.</summary>
    private static (string Dll, string[] Args) CommandLine(string service, Compose compose, IReadOnlyList<string> imageEntrypoint, IReadOnlyDictionary<string, string> environment)
    {
        var node = compose.Service(service);
        var command = node.Get("command") is { } c ? Compose.Strings(c) : [];
        var entrypoint = node.Get("entrypoint") is { } e ? Compose.Strings(e) : imageEntrypoint;
        if (entrypoint.Count >= 2 && entrypoint[0] == "dotnet")
            return (entrypoint[1], [.. entrypoint.Skip(2), .. command]);
        if (entrypoint.Count >= 3 && entrypoint[0] is "sh" or "/bin/sh" or "bash" or "/bin/bash" && entrypoint[1] == "-c")
        {
            // sh -c SCRIPT NAME ARGS...: the command's words are the positional parameters ($@) after NAME.
            var words = ShellWords(entrypoint[2], [.. entrypoint.Skip(4), .. command], environment);
            Assert.True(words.Count >= 3 && words[0] == "exec" && words[1] == "dotnet",
                $"service '{service}': the entrypoint script must be `exec dotnet …/rnncluster.dll …` (got `{entrypoint[2]}`)");
            return (words[2], [.. words.Skip(3)]);
        }
        Assert.Fail($"service '{service}': entrypoint [{string.Join(", ", entrypoint)}] does not run `dotnet rnncluster.dll`");
        return ("", []);
    }

    /// <summary>
    /// The words of a one-line `sh -c` script: blanks, '…', "…", $NAME / ${NAME} and "$@"; anything
    /// else a shell would interpret (; | &amp; ` $( …) fails the test instead of being guessed at.
    /// </summary>
    private static List<string> ShellWords(string script, IReadOnlyList<string> positional, IReadOnlyDictionary<string, string> environment)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        bool inWord = false;
        int i = 0;
        string Variable()
        {
            // At '$': returns the expansion and moves past it.
            i++;
            if (i < script.Length && script[i] == '(')
                throw new NotSupportedException($"command substitution in `{script}`");
            bool braced = i < script.Length && script[i] == '{';
            if (braced)
                i++;
            int start = i;
            while (i < script.Length && (char.IsAsciiLetterOrDigit(script[i]) || script[i] == '_'))
                i++;
            string name = script[start..i];
            if (braced)
            {
                if (i >= script.Length || script[i] != '}')
                    throw new NotSupportedException($"${{…}} form other than ${{NAME}} in `{script}`");
                i++;
            }
            if (name.Length == 0)
                throw new NotSupportedException($"'$' not followed by a name in `{script}`");
            return environment.TryGetValue(name, out string? value) ? value : "";
        }
        while (i < script.Length)
        {
            char ch = script[i];
            if (char.IsWhiteSpace(ch))
            {
                if (inWord)
                    words.Add(word.ToString());
                word.Clear();
                inWord = false;
                i++;
            }
            else if (ch == '\'')
            {
                int end = script.IndexOf('\'', i + 1);
                Assert.True(end > 0, $"unbalanced ' in `{script}`");
                word.Append(script, i + 1, end - i - 1);
                inWord = true;
                i = end + 1;
            }
            else if (ch == '"')
            {
                if (script.AsSpan(i).StartsWith("\"$@\"") && !inWord && (i + 4 == script.Length || char.IsWhiteSpace(script[i + 4])))
                {
                    words.AddRange(positional);
                    i += 4;
                    continue;
                }
                i++;
                while (i < script.Length && script[i] != '"')
                {
                    if (script[i] == '$')
                        word.Append(Variable());
                    else if (script[i] is '\\' or '`')
                        throw new NotSupportedException($"escapes and backquotes in `{script}`");
                    else
                        word.Append(script[i++]);
                }
                Assert.True(i < script.Length, $"unbalanced \" in `{script}`");
                i++;
                inWord = true;
            }
            else if (ch == '$')
            {
                if (script.AsSpan(i).StartsWith("$@"))
                    throw new NotSupportedException($"unquoted $@ in `{script}`: write \"$@\"");
                word.Append(Variable());
                inWord = true;
            }
            else if (ch is ';' or '|' or '&' or '`' or '<' or '>' or '\\' or '(' or ')')
            {
                throw new NotSupportedException($"'{ch}' in the entrypoint script `{script}`: keep it to `exec dotnet …/rnncluster.dll \"$@\" …`");
            }
            else
            {
                word.Append(ch);
                inWord = true;
                i++;
            }
        }
        if (inWord)
            words.Add(word.ToString());
        return words;
    }

    private static HashSet<string> NodeOptionNames()
    {
        var node = CliApp.BuildRoot().Subcommands.Single(c => c.Name == "node");
        return node.Options.Select(o => o.Name).ToHashSet();
    }

    /// <summary>"MIN_WORKERS", "min_workers", "minWorkers", "min-workers" → "--min-workers" (as ConfiguredDefaults reads them).</summary>
    internal static string OptionName(string key)
    {
        var name = new StringBuilder("--");
        foreach (char ch in key)
        {
            if (ch is '_' or '-')
                name.Append('-');
            else if (char.IsUpper(ch) && key.Any(char.IsLower))
                name.Append('-').Append(char.ToLowerInvariant(ch));
            else
                name.Append(char.ToLowerInvariant(ch));
        }
        return name.ToString();
    }

    private static string? Value(DbConnectionStringBuilder connection, params string[] keys)
    {
        foreach (string key in keys)
            if (connection.TryGetValue(key, out object? value))
                return value?.ToString();
        return null;
    }

    /// <summary>Repository-relative paths of a project and every project it references, transitively.</summary>
    private static HashSet<string> ProjectClosure(string project)
    {
        var seen = new HashSet<string>();
        var pending = new Stack<string>([project]);
        while (pending.Count > 0)
        {
            string current = pending.Pop();
            if (!seen.Add(current))
                continue;
            string full = Path.Combine(Root, current);
            foreach (Match m in ProjectReference().Matches(File.ReadAllText(full)))
            {
                string referenced = Path.GetRelativePath(Root, Path.GetFullPath(Path.Combine(Path.GetDirectoryName(full)!, m.Groups[1].Value.Replace('\\', '/'))));
                pending.Push(referenced.Replace(Path.DirectorySeparatorChar, '/'));
            }
        }
        return seen;
    }

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            if (File.Exists(Path.Combine(directory.FullName, "RnnCluster.sln")))
                return directory.FullName;
        throw new InvalidOperationException($"No RnnCluster.sln above {AppContext.BaseDirectory}.");
    }

    [GeneratedRegex(@"^akka\.tcp://rnncluster@(?<host>[^:/@]+):(?<port>[0-9]+)$")]
    private static partial Regex SeedAddress();

    [GeneratedRegex(@"<ProjectReference\s+Include=""([^""]+)""")]
    private static partial Regex ProjectReference();

    /// <summary>docker-compose.yml with Compose's variable interpolation, every variable taken as unset (so defaults apply).</summary>
    private sealed class Compose
    {
        private readonly YamlMappingNode _services;

        private Compose(YamlMappingNode services) => _services = services;

        public static Compose Load(string root)
        {
            var stream = new YamlStream();
            using (var reader = new StreamReader(Path.Combine(root, "docker-compose.yml")))
                stream.Load(reader);
            var top = (YamlMappingNode)stream.Documents[0].RootNode;
            return new Compose((YamlMappingNode)top.Get("services")!);
        }

        public IEnumerable<string> ServiceNames => _services.Children.Keys.Select(k => ((YamlScalarNode)k).Value!);

        public YamlMappingNode Service(string name) => (YamlMappingNode)_services.Get(name)!;

        public string? Scalar(string service, string key) => Service(service).Get(key) is YamlScalarNode s ? Interpolate(s.Value ?? "") : null;

        /// <summary>Services that run the CLI: built from deploy/Dockerfile, or using the image such a service builds.</summary>
        public List<string> RnnclusterServices()
        {
            var built = ServiceNames.Where(s => Service(s).Get("build") is not null).ToList();
            var images = built.Select(s => Scalar(s, "image")).Where(i => i is not null).ToHashSet();
            var all = ServiceNames.Where(s => built.Contains(s) || images.Contains(Scalar(s, "image"))).ToList();
            foreach (string other in ServiceNames.Except(all))
                Assert.False((Scalar(other, "image") ?? "").Contains("rnncluster", StringComparison.OrdinalIgnoreCase), $"service '{other}' uses an rnncluster image that no service builds");
            return all;
        }

        /// <summary>The service's environment as the container sees it; variables listed without a value (passed through from the shell) are unset.</summary>
        public Dictionary<string, string> Environment(string service)
        {
            var result = new Dictionary<string, string>(StringComparer.Ordinal);
            switch (Service(service).Get("environment"))
            {
                case YamlMappingNode map:
                    foreach (var (key, value) in map.Children)
                        if (value is YamlScalarNode { Value: { } text } scalar && !(text.Length == 0 && scalar.Style == YamlDotNet.Core.ScalarStyle.Plain))
                            result[((YamlScalarNode)key).Value!] = Interpolate(text);
                    break;
                case YamlSequenceNode list:
                    foreach (string entry in Strings(list))
                        if (entry.IndexOf('=') is var eq and > 0)
                            result[entry[..eq]] = entry[(eq + 1)..];
                    break;
            }
            return result;
        }

        public HashSet<string> Networks(string service) => Service(service).Get("networks") switch
        {
            YamlSequenceNode list => Strings(list).ToHashSet(),
            YamlMappingNode map => map.Children.Keys.Select(k => ((YamlScalarNode)k).Value!).ToHashSet(),
            _ => ["default"],
        };

        public int Replicas(string service) =>
            Service(service).Get("deploy")?.Get("replicas") is YamlScalarNode { Value: { } n } ? int.Parse(Interpolate(n), System.Globalization.CultureInfo.InvariantCulture) : 1;

        /// <summary>Dependency → condition (the list form means service_started).</summary>
        public Dictionary<string, string> DependsOn(string service) => Service(service).Get("depends_on") switch
        {
            YamlSequenceNode list => Strings(list).ToDictionary(s => s, _ => "service_started"),
            YamlMappingNode map => map.Children.ToDictionary(
                kv => ((YamlScalarNode)kv.Key).Value!,
                kv => kv.Value.Get("condition") is YamlScalarNode c ? c.Value! : "service_started"),
            _ => [],
        };

        /// <summary>A list in exec form (a plain string would go through a shell: the test wants the words spelled out).</summary>
        public static List<string> Strings(YamlNode node)
        {
            Assert.True(node is YamlSequenceNode, $"expected a list (exec form), got `{node}`");
            return ((YamlSequenceNode)node).Children.Select(c => Interpolate(((YamlScalarNode)c).Value ?? "")).ToList();
        }

        /// <summary>Compose interpolation: $$ → $, ${NAME:-default} and ${NAME-default} → default, ${NAME}/$NAME → "" (unset), ${NAME:?msg} fails.</summary>
        public static string Interpolate(string text)
        {
            var result = new StringBuilder();
            for (int i = 0; i < text.Length; i++)
            {
                if (text[i] != '$' || i + 1 == text.Length)
                {
                    result.Append(text[i]);
                    continue;
                }
                char next = text[i + 1];
                if (next == '$')
                {
                    result.Append('$');
                    i++;
                }
                else if (next == '{')
                {
                    int depth = 0, end = i + 1;
                    for (; end < text.Length; end++)
                    {
                        if (text[end] == '{')
                            depth++;
                        else if (text[end] == '}' && --depth == 0)
                            break;
                    }
                    Assert.True(end < text.Length, $"unbalanced ${{ in `{text}`");
                    string inner = text[(i + 2)..end];
                    int nameEnd = 0;
                    while (nameEnd < inner.Length && (char.IsAsciiLetterOrDigit(inner[nameEnd]) || inner[nameEnd] == '_'))
                        nameEnd++;
                    string rest = inner[nameEnd..];
                    if (rest.StartsWith(":-", StringComparison.Ordinal))
                        result.Append(Interpolate(rest[2..]));
                    else if (rest.StartsWith('-'))
                        result.Append(Interpolate(rest[1..]));
                    else if (rest.StartsWith(":?", StringComparison.Ordinal) || rest.StartsWith('?'))
                        Assert.Fail($"`{text}` requires {inner[..nameEnd]} to be set: give it a default so `docker compose up` works as it is");
                    else
                        Assert.True(rest.Length == 0 || rest.StartsWith(":+", StringComparison.Ordinal) || rest.StartsWith('+'), $"unsupported interpolation `${{{inner}}}`");
                    i = end;
                }
                else if (char.IsAsciiLetter(next) || next == '_')
                {
                    while (i + 1 < text.Length && (char.IsAsciiLetterOrDigit(text[i + 1]) || text[i + 1] == '_'))
                        i++;
                }
                else
                {
                    result.Append('$');
                }
            }
            return result.ToString();
        }
    }

    /// <summary>The parts of deploy/Dockerfile the checks need.</summary>
    private sealed record Dockerfile(List<string> From, List<string> Entrypoint, List<string> PublishedProjects, HashSet<string> CopySources)
    {
        public static Dockerfile Load(string path)
        {
            var instructions = new List<(string Keyword, string Arguments)>();
            var current = new StringBuilder();
            foreach (string raw in File.ReadAllLines(path))
            {
                string line = raw.Trim();
                if (current.Length == 0 && (line.Length == 0 || line.StartsWith('#')))
                    continue;
                bool continued = line.EndsWith('\\');
                current.Append(continued ? line[..^1] : line).Append(' ');
                if (continued)
                    continue;
                string text = current.ToString().Trim();
                current.Clear();
                int space = text.IndexOf(' ');
                instructions.Add((text[..space].ToUpperInvariant(), text[(space + 1)..].Trim()));
            }
            var from = instructions.Where(i => i.Keyword == "FROM").Select(i => i.Arguments.Split(' ')[0]).ToList();
            var entrypoints = instructions.Where(i => i.Keyword == "ENTRYPOINT").ToList();
            Assert.True(entrypoints.Count > 0, "deploy/Dockerfile has no ENTRYPOINT");
            var entrypoint = JsonSerializer.Deserialize<List<string>>(entrypoints[^1].Arguments)
                             ?? throw new InvalidDataException("ENTRYPOINT must be a JSON array (exec form)");
            var published = new List<string>();
            foreach (var (_, arguments) in instructions.Where(i => i.Keyword == "RUN"))
            {
                var words = arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                for (int w = 0; w + 2 < words.Length; w++)
                    if (words[w] == "dotnet" && words[w + 1] == "publish")
                        published.Add(words.Skip(w + 2).First(a => !a.StartsWith('-')));
            }
            var copies = new HashSet<string>();
            foreach (var (_, arguments) in instructions.Where(i => i.Keyword == "COPY" && !i.Arguments.StartsWith("--from", StringComparison.Ordinal)))
            {
                var words = arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(a => !a.StartsWith("--", StringComparison.Ordinal)).ToList();
                foreach (string source in words.Take(words.Count - 1))
                    copies.Add(source.TrimEnd('/'));
            }
            return new Dockerfile(from, entrypoint, published, copies);
        }
    }
}

internal static class YamlNodeExtensions
{
    public static YamlNode? Get(this YamlNode node, string key) =>
        node is YamlMappingNode map && map.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;
}
