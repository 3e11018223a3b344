using Xunit.Abstractions;

namespace RnnCluster.Cli.Tests;

/// <summary>
/// Usage errors are found before anything starts: one `error:` line on stderr, exit 2, nothing on
/// stdout (no header, no Akka log line, no summary) and nothing written to the store.
/// </summary>
[Trait(Tier.Name, Tier.Process)]
public sealed class UsageErrorTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    private static void AssertUsageError(CliResult result, string expected)
    {
        var lines = result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.True(lines.Length == 1, result.ToString());
        Assert.StartsWith("error: ", lines[0], StringComparison.Ordinal);
        Assert.Contains(expected, lines[0], StringComparison.Ordinal);
        Assert.True(result.Output.Trim().Length == 0, result.ToString());
    }

    /// <summary>Every file of the directory with its bytes: a store that was read must compare equal.</summary>
    private static async Task<SortedDictionary<string, string>> Snapshot(string directory)
    {
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in Directory.GetFiles(directory))
            files[Path.GetFileName(file)] = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(await File.ReadAllBytesAsync(file)));
        return files;
    }

    [Fact]
    public async Task An_existing_run_id_is_refused_by_train_and_node_with_one_line_and_an_unchanged_store()
    {
        using var dir = new ScratchDirectory();
        string db = dir.File("store.db");
        var first = await CliProcess.RunAsync(dir.Path, Timeout, TrainCliTests.Small(db, "taken", 4));
        Assert.True(first.ExitCode == 0, first.ToString());
        var before = await Snapshot(dir.Path);

        var again = await CliProcess.RunAsync(dir.Path, Timeout, TrainCliTests.Small(db, "taken", 4));
        output.WriteLine(again.ToString());
        AssertUsageError(again, $"run 'taken' already exists in SQLite Data Source={db} (last checkpoint at step 4); continue it with --resume taken, or choose another --run-id");

        var node = await CliProcess.RunAsync(dir.Path, Timeout, "node", "--roles", "coordinator,ps,worker", "--port", "0", "--db", db, "--run-id", "taken",
            "--dataset", "reber", "--embed", "8", "--hidden", "24", "--seq", "16", "--batch", "16", "--steps", "4", "--plain");
        output.WriteLine(node.ToString());
        AssertUsageError(node, "run 'taken' already exists");

        Assert.Equal(before, await Snapshot(dir.Path));
    }

    [Fact]
    public async Task A_port_another_process_holds_is_one_line_after_the_port_wait()
    {
        using var dir = new ScratchDirectory();
        using var holder = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        holder.Start();
        int taken = ((System.Net.IPEndPoint)holder.LocalEndpoint).Port;
        foreach (var ports in new[] { new[] { "--port", taken.ToString() }, ["--port", "0", "--bulk-port", taken.ToString()] })
        {
            using var node = CliProcess.Start(dir.Path, new Dictionary<string, string> { ["RNNCLUSTER_NODE__PORT_WAIT"] = "1s" },
                ["node", "--roles", "coordinator,ps,worker", .. ports, "--db", dir.File("store.db"), "--dataset", "reber", "--steps", "4", "--plain"]);
            var result = await node.WaitAsync(Timeout);
            output.WriteLine(result.ToString());
            AssertUsageError(result, $"Port {taken} on 127.0.0.1 ({(ports[0] == "--port" && ports.Length == 2 ? "Akka.Remote" : "bulk channel")}");
        }
        Assert.False(File.Exists(dir.File("store.db")));
    }

    [Fact]
    public async Task Resume_of_an_unknown_run_does_not_create_the_store()
    {
        using var dir = new ScratchDirectory();
        var result = await CliProcess.RunAsync(dir.Path, Timeout, "train", "--resume", "nope", "--db", dir.File("missing.db"), "--plain");
        output.WriteLine(result.ToString());
        AssertUsageError(result, "There is no run 'nope' to resume");
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
    }

    [Theory]
    [InlineData("Fault injection names worker 2", "--fail-worker", "2@1")]
    [InlineData("--die-at-step takes a step >= 0", "--die-at-step", "-3")]
    [InlineData("--slow-worker takes WORKER@FACTOR with a factor from 1 to 1000", "--slow-worker", "0@0.5")]
    [InlineData("Fault injection names worker 3", "--slow-worker", "3@2")]
    [InlineData("--backup-tasks takes on or off, not 'maybe'", "--backup-tasks", "maybe")]
    [InlineData("--validate-every must be >= 0", "--validate-every", "-1")]
    [InlineData("--max-seconds must be", "--max-seconds", "0")]
    [InlineData("must split evenly into 3 micro-batches", "--micro-batches", "3")]
    [InlineData("--run-id a and --resume b name different runs", "--run-id", "a", "--resume", "b")]
    [InlineData("Cannot parse argument 'two'", "--workers", "two")]
    [InlineData("--softmax must be full or adaptive, not 'wide'", "--softmax", "wide")]
    [InlineData("--ps-shards must be >= 1, not 0", "--ps-shards", "0")]
    [InlineData("--ps-shards 2 needs --mode sync: an async run has one parameter server", "--mode", "async", "--ps-shards", "2")]
    [InlineData("--ps-shards 2 is too many for this model", "--ps-shards", "2")]
    [InlineData("--cutoffs takes rising positive token ids separated by commas (e.g. 2000,6000), not '4,2'", "--cutoffs", "4,2")]
    [InlineData("--cutoffs belongs to --softmax adaptive, not --softmax full", "--softmax", "full", "--cutoffs", "2")]
    [InlineData("cutoffs must rise strictly, each above 0 and below the vocabulary size 8, not adaptive(2,40)", "--softmax", "adaptive", "--cutoffs", "2,40")]
    public async Task A_bad_option_is_one_line_and_exit_2_before_anything_starts(string expected, params string[] options)
    {
        using var dir = new ScratchDirectory();
        var result = await CliProcess.RunAsync(dir.Path, Timeout,
            ["train", "--dataset", "reber", "--embed", "8", "--hidden", "24", "--seq", "16", "--batch", "16", "--steps", "4",
             "--db", dir.File("store.db"), "--plain", .. options]);
        output.WriteLine(result.ToString());
        AssertUsageError(result, expected);
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
    }

    [Fact]
    public async Task A_resume_that_would_change_the_output_layer_is_refused_with_an_unchanged_store()
    {
        using var dir = new ScratchDirectory();
        string db = dir.File("store.db");
        var first = await CliProcess.RunAsync(dir.Path, Timeout, TrainCliTests.Small(db, "adaptive", 4, "--softmax", "adaptive", "--cutoffs", "3,6"));
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Contains("softmax=adaptive(3,6)", first.Output, StringComparison.Ordinal);
        var before = await Snapshot(dir.Path);

        var full = await CliProcess.RunAsync(dir.Path, Timeout, "train", "--resume", "adaptive", "--softmax", "full", "--steps", "8", "--db", db, "--plain");
        output.WriteLine(full.ToString());
        AssertUsageError(full, "cannot resume run 'adaptive': model differs (softmax adaptive(3,6) vs full)");
        var other = await CliProcess.RunAsync(dir.Path, Timeout, "train", "--resume", "adaptive", "--cutoffs", "2,5", "--steps", "8", "--db", db, "--plain");
        AssertUsageError(other, "model differs (softmax adaptive(3,6) vs adaptive(2,5))");
        Assert.Equal(before, await Snapshot(dir.Path));
    }

    [Fact]
    public async Task Kubernetes_discovery_with_a_seed_address_is_one_line_and_exit_2_before_anything_starts()
    {
        using var dir = new ScratchDirectory();
        var result = await CliProcess.RunAsync(dir.Path, Timeout,
            "node", "--roles", "coordinator,ps", "--host", "0.0.0.0", "--public-host", "10.1.2.3", "--port", "0", "--db", dir.File("store.db"),
            "--discovery", "kubernetes", "--seed", "akka.tcp://rnncluster@coordinator:4053", "--dataset", "reber", "--steps", "4", "--plain");
        output.WriteLine(result.ToString());
        AssertUsageError(result, "--discovery kubernetes finds the cluster through the Kubernetes API: leave out the seed node akka.tcp://rnncluster@coordinator:4053");
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
    }

    [Fact]
    public async Task A_run_that_fails_after_training_steps_ends_with_a_summary_line_without_nan()
    {
        using var dir = new ScratchDirectory();
        // Plain SGD at 1e30 without clipping: the first update is huge but finite, a later one is not.
        var result = await CliProcess.RunAsync(dir.Path, Timeout,
            "train", "--dataset", "reber", "--embed", "8", "--hidden", "24", "--seq", "16", "--batch", "16", "--steps", "20",
            "--optimizer", "sgd", "--lr", "1e30", "--clip", "0", "--db", dir.File("store.db"), "--run-id", "diverges", "--plain", "--samples", "0");
        output.WriteLine(result.ToString());
        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("training diverged", result.Error, StringComparison.Ordinal);
        Assert.Matches(@"^run=diverges steps=\d+ tokens_per_s=\d+ train_loss=\d+\.\d+$", result.LastLine);
        Assert.DoesNotContain("NaN", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Http_beyond_loopback_without_a_token_and_bad_http_endpoints_are_refused_before_anything_starts()
    {
        using var dir = new ScratchDirectory();
        string db = dir.File("store.db");
        var open = await CliProcess.RunAsync(dir.Path, Timeout, [.. TrainCliTests.Small(db, "open", 4), "--http", "0.0.0.0:0"]);
        output.WriteLine(open.ToString());
        AssertUsageError(open, "--http 0.0.0.0:0 listens beyond this machine: give a bearer token (RNNCLUSTER_HTTP_TOKEN or --http-token-file FILE)");
        Assert.False(File.Exists(db));

        var node = await CliProcess.RunAsync(dir.Path, Timeout, "node", "--roles", "worker", "--port", "0", "--http", "[::]:8080", "--plain");
        AssertUsageError(node, "--http [::]:8080 listens beyond this machine");
        var badPort = await CliProcess.RunAsync(dir.Path, Timeout, "node", "--roles", "worker", "--port", "0", "--http", "127.0.0.1:http", "--plain");
        AssertUsageError(badPort, "--http takes HOST:PORT");
        var missingToken = await CliProcess.RunAsync(dir.Path, Timeout, "node", "--roles", "worker", "--port", "0", "--http", "0.0.0.0:0", "--http-token-file", dir.File("none"), "--plain");
        AssertUsageError(missingToken, "--http-token-file");
        var noStore = await CliProcess.RunAsync(dir.Path, Timeout, "dashboard", "--db", dir.File("missing.db"));
        AssertUsageError(noStore, "There is no store");
        Assert.Empty(Directory.GetFiles(dir.Path));

        // A port in use is found after the other checks but before the header and the run.
        using var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        int port = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port;
        var busy = await CliProcess.RunAsync(dir.Path, Timeout, "node", "--roles", "coordinator,ps", "--port", "0", "--db", db, "--run-id", "busy",
            "--dataset", "reber", "--embed", "8", "--hidden", "24", "--seq", "16", "--batch", "16", "--steps", "4", "--plain", "--http", $"127.0.0.1:{port}");
        output.WriteLine(busy.ToString());
        AssertUsageError(busy, $"--http 127.0.0.1:{port} cannot be served");
        Assert.Empty(Directory.GetFiles(dir.Path));
    }
}
