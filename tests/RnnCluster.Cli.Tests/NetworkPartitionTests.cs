using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace RnnCluster.Cli.Tests;

/// <summary>
/// A worker cut off from the network (a network namespace joined to the host by a veth pair whose
/// host end is set down) is treated like a crash: the coordinator notices, hands its share to the
/// other worker and downs its node. When the link comes back, what the cut-off worker still had on
/// the wire arrives and is ignored as stale (by step), the worker joins again, and the run ends with
/// exactly the bytes of a one-process run, every micro-batch of every step applied once.
/// </summary>
[Trait(Tier.Name, Tier.Process)]
[Collection(nameof(FaultToleranceTests))]
public sealed class NetworkPartitionTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan EventTimeout = TimeSpan.FromSeconds(90);
    private const int MicroBatches = 4;

    // The run ends by its time budget rather than a step count: it has to outlast the cut (~11 s)
    // and the worker's return (~13 s more: the downed member's removal, then a join retry) however
    // fast this machine trains; the one-process reference then trains exactly the steps the cluster did.
    // Room for up to 30 tries of the cut below and the rejoin after it.
    private const int TrainingSeconds = 70;

    // FaultToleranceTests' model with --hidden 64 instead of 32: 52,296 parameters (209 KB) rather than
    // 13,896 (56 KB), so gradients and parameters travel on the bulk channel (> 64 KiB) as a real
    // model's do — gradients go in two parts (GradientParts: 134 KB and 75 KB), each above that
    // threshold. That channel is plain TCP, outside Akka's quarantine: the only path on which a
    // cut-off worker's stale gradient can still reach the parameter server after the link returns.
    private static readonly string[] Model =
    [
        "--dataset", "reber", "--embed", "8", "--hidden", "64", "--layers", "2", "--seq", "16", "--batch", "16",
        "--micro-batches", MicroBatches.ToString(CultureInfo.InvariantCulture), "--lr", "1e-2", "--seed", "3",
    ];

    [NetworkNamespaceFact]
    public async Task A_worker_cut_off_from_the_network_is_lost_downed_and_rejoins_and_its_stale_gradients_are_ignored()
    {
        using var net = NetworkNamespace.Create();
        using var dir = new ScratchDirectory();
        output.WriteLine($"namespace {net.Name}: host {net.HostVeth} {net.HostAddress}, inside {net.NamespaceAddress}");

        int port = FaultToleranceTests.FreePort(), hostWorkerPort = FaultToleranceTests.FreePort(), cutOffPort = FaultToleranceTests.FreePort();
        int bulkPort = port + 1;
        string seed = $"akka.tcp://rnncluster@{net.HostAddress}:{port}";
        string cutOffNode = $"akka.tcp://rnncluster@{net.NamespaceAddress}:{cutOffPort}";
        string cutOffWorker = $"{net.NamespaceAddress}:{cutOffPort}/"; // worker ids are HOST:PORT/PID/wN
        string db = dir.File("store.db"), ledger = dir.File("ledger.jsonl");
        string[] Worker(string host, int workerPort) =>
            ["node", "--roles", "worker", "--host", host, "--port", workerPort.ToString(CultureInfo.InvariantCulture), "--seed", seed, "--plain", "--rejoin-for", "180"];

        using var coordinator = CliProcess.Start(dir.Path, ["node", "--roles", "coordinator,ps", "--host", net.HostAddress, "--port", port.ToString(CultureInfo.InvariantCulture),
            "--db", db, "--ledger", ledger, "--run-id", "partition", "--min-workers", "2", "--checkpoint-every", "10", "--plain", "--samples", "0",
            "--steps", "1000000", "--max-seconds", TrainingSeconds.ToString(CultureInfo.InvariantCulture), .. Model]);
        await Expect(coordinator, " up with roles ", "the coordinator's node coming up");
        using var hostWorker = CliProcess.Start(dir.Path, Worker(net.HostAddress, hostWorkerPort));
        using var cutOff = CliProcess.StartInNamespace(net.Name, dir.Path, Worker(net.NamespaceAddress, cutOffPort));

        // 1. Cut the link after a checkpoint, at a moment the worker has a gradient on the wire (its bulk
        //    connection's send queue is not empty), so something stale is certain to arrive after its
        //    return. A cut that finds nothing in flight within 800 ms is undone and tried again later
        //    (well inside the 3 s heartbeat pause: an undone cut must not get the worker downed). On a
        //    loaded CI host 20 tries of 300 ms once all missed: the worker's share outlasted the window.
        var clock = Stopwatch.StartNew();
        TimeSpan cutAt = default;
        int cutMark = 0;
        long inFlight = 0;
        int attempts = 0;
        for (int checkpoint = 10; inFlight == 0; checkpoint += 10)
        {
            if (attempts == 30)
                throw new XunitException($"{attempts} cuts never caught the worker with a gradient on the wire.\ncoordinator:\n{coordinator.Output}");
            await Expect(coordinator, $"checkpoint of step {checkpoint} saved", $"the checkpoint of step {checkpoint}");
            cutMark = coordinator.LineCount;
            net.CutLink();
            cutAt = clock.Elapsed;
            attempts++;
            inFlight = await NetworkNamespace.WaitForUnsentBytes(cutOff.Id, bulkPort, TimeSpan.FromMilliseconds(800));
            if (inFlight == 0)
                net.RestoreLink();
        }
        output.WriteLine($"{clock.Elapsed.TotalSeconds,6:F1} s  link cut (attempt {attempts}) with {inFlight} bytes of the worker's gradient on the wire");
        // When the cut-off node gives up its (downed) actor system and starts joining again: for the report.
        var sessionEnded = cutOff.WaitForLine("joining again", Timeout, cutOff.LineCount)
            .ContinueWith(t => t.IsCompletedSuccessfully ? $"{clock.Elapsed.TotalSeconds,6:F1} s  the cut-off node: {t.Result}" : "the cut-off node never printed 'joining again'", TaskScheduler.Default);

        // 2. The coordinator treats it like a crash: lost (failure detector or step deadline), then downed.
        string lost = await Expect(coordinator, l => l.Contains($"worker {cutOffWorker}", StringComparison.Ordinal) && l.Contains(" lost (", StringComparison.Ordinal), "the cut-off worker being lost", cutMark);
        double noticed = (clock.Elapsed - cutAt).TotalSeconds;
        output.WriteLine($"{clock.Elapsed.TotalSeconds,6:F1} s  loss noticed {noticed:F1} s after the cut: {lost}");
        Assert.True(noticed < 15, $"the loss was noticed only {noticed:F1} s after the cut");
        string downed = await Expect(coordinator, $"Downing worker node {cutOffNode}", "the cut-off node being downed", cutMark);
        output.WriteLine($"{clock.Elapsed.TotalSeconds,6:F1} s  downed {(clock.Elapsed - cutAt).TotalSeconds:F1} s after the cut: {downed}");

        // 3. The link comes back: the gradient that was on the wire arrives and is ignored as stale.
        int returnMark = coordinator.LineCount;
        net.RestoreLink();
        var upAt = clock.Elapsed;
        output.WriteLine($"{clock.Elapsed.TotalSeconds,6:F1} s  link up again after {(upAt - cutAt).TotalSeconds:F1} s");
        string stale = await Expect(coordinator, l => l.Contains("ignores a stale gradient", StringComparison.Ordinal) && l.Contains($"from worker {cutOffWorker}", StringComparison.Ordinal),
            "a stale gradient of the returned worker being ignored", returnMark);
        output.WriteLine($"{clock.Elapsed.TotalSeconds,6:F1} s  {(clock.Elapsed - upAt).TotalSeconds:F1} s after the return: {stale}");

        // 4. The downed worker node joins again with a fresh actor system and is welcomed as a new worker.
        string rejoined = await Expect(coordinator, l => l.Contains($"worker {cutOffWorker}", StringComparison.Ordinal) && l.EndsWith(" ready", StringComparison.Ordinal),
            "the returned worker being ready again", returnMark);
        output.WriteLine(await sessionEnded);
        output.WriteLine($"{clock.Elapsed.TotalSeconds,6:F1} s  rejoined {(clock.Elapsed - upAt).TotalSeconds:F1} s after the return: {rejoined}");

        // 5. The run ends by its time budget; every node exits cleanly.
        var results = await Task.WhenAll(coordinator.WaitAsync(Timeout), hostWorker.WaitAsync(Timeout), cutOff.WaitAsync(Timeout));
        output.WriteLine($"{clock.Elapsed.TotalSeconds,6:F1} s  run over: {results[0].LastLine}");
        foreach (var r in results)
            Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains($"time budget of {TrainingSeconds} s used up at step", results[0].Output);
        Assert.Contains("joining again", results[2].Output);
        var summary = System.Text.RegularExpressions.Regex.Match(results[0].LastLine, @"^run=partition steps=(\d+) ");
        Assert.True(summary.Success, results[0].ToString());
        int steps = int.Parse(summary.Groups[1].Value, CultureInfo.InvariantCulture);
        foreach (var line in results[0].Output.Split('\n').Where(l => l.Contains("stale gradient", StringComparison.Ordinal) || l.Contains("overlaps", StringComparison.Ordinal)))
            output.WriteLine($"  coordinator: {line.Trim()}");
        string[] notable = ["UNREACHABLE", "SBR ", "downed", "quarantined", "joining again"];
        foreach (var line in results[2].Output.Split('\n').Where(l => notable.Any(n => l.Contains(n, StringComparison.Ordinal))))
            output.WriteLine($"  cut-off node: {(line.Length > 260 ? line[..260] + "…" : line.Trim())}");

        // 6. Nothing is corrupted: the bytes of a one-process run of as many steps (two worker threads: the
        //    bytes do not depend on the worker count, the time does), each micro-batch applied once.
        string referenceDb = dir.File("reference.db");
        var reference = await CliProcess.RunAsync(dir.Path, Timeout, ["train", .. Model, "--steps", steps.ToString(CultureInfo.InvariantCulture),
            "--workers", "2", "--db", referenceDb, "--run-id", "reference", "--plain", "--samples", "0"]);
        Assert.True(reference.ExitCode == 0, reference.ToString());
        Assert.Equal(await FaultToleranceTests.Export(dir, referenceDb, "reference"), await FaultToleranceTests.Export(dir, db, "partition"));
        FaultToleranceTests.AssertLedger(ledger, "partition", steps, MicroBatches);
        output.WriteLine($"{clock.Elapsed.TotalSeconds,6:F1} s  {steps} steps: bytes equal the one-process run's, every micro-batch of every step applied once; " +
                         $"the returned worker computed shares of {StepsAfterReturn(ledger, cutOffWorker)} steps after its return");
    }

    /// <summary>Steps the worker took part in after the longest stretch of steps without it (the cut).</summary>
    private static int StepsAfterReturn(string ledger, string worker)
    {
        var with = File.ReadAllLines(ledger)
            .Select(line => JsonDocument.Parse(line).RootElement.GetProperty("nodes").EnumerateArray().Any(n => n[2].GetString()!.StartsWith(worker, StringComparison.Ordinal)))
            .ToList();
        int bestEnd = -1, bestLength = 0, length = 0;
        for (int i = 0; i < with.Count; i++)
        {
            length = with[i] ? 0 : length + 1;
            if (length > bestLength)
                (bestLength, bestEnd) = (length, i);
        }
        return with.Skip(bestEnd + 1).Count(w => w);
    }

    private static Task<string> Expect(CliProcess process, string text, string what, int afterLine = 0) =>
        Expect(process, l => l.Contains(text, StringComparison.Ordinal), what, afterLine);

    /// <summary>The first matching line (after <paramref name="afterLine"/>); fails with the output when it does not come in time or the process ends first.</summary>
    private static async Task<string> Expect(CliProcess process, Func<string, bool> match, string what, int afterLine = 0)
    {
        var line = process.WaitForLine(match, EventTimeout, afterLine);
        var exited = process.ExitedAsync();
        try
        {
            // An exit right after the line: the line's watch may complete an instant after the exit.
            if (await Task.WhenAny(line, exited) == line || await Task.WhenAny(line, Task.Delay(TimeSpan.FromSeconds(1))) == line)
                return await line;
        }
        catch (TimeoutException)
        {
            throw new XunitException($"No sign of {what} within {EventTimeout.TotalSeconds:F0} s.\nstdout:\n{process.Output}\nstderr:\n{process.Error}");
        }
        throw new XunitException($"The process ended without a sign of {what}.\nstdout:\n{process.Output}\nstderr:\n{process.Error}");
    }
}

/// <summary>
/// A fact that needs <see cref="NetworkNamespace"/>: reported as skipped, with the reason, where
/// network namespaces and veth pairs cannot be created (not Linux, not root, no iproute2, refused).
/// The probe runs once per test process.
/// </summary>
public sealed class NetworkNamespaceFactAttribute : FactAttribute
{
    private static readonly Lazy<string?> Unavailable = new(NetworkNamespace.Probe);

    public NetworkNamespaceFactAttribute()
    {
        if (Unavailable.Value is { } reason)
            Skip = reason;
    }
}

/// <summary>
/// A network namespace joined to the host by a veth pair with private addresses (10.213.X.1/30 on
/// the host side, .2 inside), names and subnet unique per instance. Dispose deletes all of it.
/// </summary>
internal sealed class NetworkNamespace : IDisposable
{
    private const string RouteMetric = "4000";
    private readonly List<string> _undo = new();
    private bool _disposed;

    private NetworkNamespace(string id, int subnet)
    {
        Name = $"rnnc-{id}";
        HostVeth = $"rnnc{id}h";
        PeerVeth = $"rnnc{id}n";
        Subnet = $"10.213.{subnet}.0/30";
        HostAddress = $"10.213.{subnet}.1";
        NamespaceAddress = $"10.213.{subnet}.2";
    }

    public string Name { get; }

    public string HostVeth { get; }

    public string PeerVeth { get; }

    public string Subnet { get; }

    public string HostAddress { get; }

    public string NamespaceAddress { get; }

    public static NetworkNamespace Create()
    {
        var net = new NetworkNamespace(Convert.ToHexString(RandomNumberGenerator.GetBytes(3)).ToLowerInvariant(), FreeSubnet());
        try
        {
            net.Ip("netns", "add", net.Name);
            net._undo.Add("netns");
            net.Ip("link", "add", net.HostVeth, "type", "veth", "peer", "name", net.PeerVeth);
            net._undo.Add("veth");
            net.Ip("link", "set", net.PeerVeth, "netns", net.Name);
            net.Ip("addr", "add", $"{net.HostAddress}/30", "dev", net.HostVeth);
            net.Ip("link", "set", net.HostVeth, "up");
            net.Ip("-n", net.Name, "addr", "add", $"{net.NamespaceAddress}/30", "dev", net.PeerVeth);
            net.Ip("-n", net.Name, "link", "set", net.PeerVeth, "up");
            net.Ip("-n", net.Name, "link", "set", "lo", "up");
            // While the host end is down its subnet route is gone: without this fallback, traffic for
            // the namespace would leave through the default route instead of failing here.
            net.Ip("route", "add", "unreachable", net.Subnet, "metric", RouteMetric);
            net._undo.Add("route");
            return net;
        }
        catch
        {
            net.Dispose();
            throw;
        }
    }

    /// <summary>Null when namespaces work here, else why not (the reason a test is skipped for).</summary>
    public static string? Probe()
    {
        if (!OperatingSystem.IsLinux())
            return "network namespaces need Linux";
        if (!Environment.IsPrivilegedProcess)
            return "creating network namespaces and veth pairs needs root (CAP_NET_ADMIN); run the tests as root to include this one";
        try
        {
            using var probe = Create();
            return null;
        }
        catch (Win32Exception e)
        {
            return $"iproute2's `ip` cannot be run ({e.Message})";
        }
        catch (InvalidOperationException e)
        {
            return $"cannot create a network namespace with a veth pair here: {e.Message}";
        }
    }

    /// <summary>Cuts the namespace off: its veth pair loses carrier on both ends.</summary>
    public void CutLink() => Ip("link", "set", HostVeth, "down");

    public void RestoreLink() => Ip("link", "set", HostVeth, "up");

    /// <summary>
    /// Waits up to <paramref name="within"/> for a process's established TCP connections to
    /// <paramref name="remotePort"/> to hold bytes not yet acknowledged (tx_queue in
    /// /proc/PID/net/tcp{,6}, which show the process's own namespace); returns their count (0: none).
    /// </summary>
    public static async Task<long> WaitForUnsentBytes(int pid, int remotePort, TimeSpan within)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            long bytes = UnsentBytes(pid, remotePort);
            if (bytes > 0 || clock.Elapsed >= within)
                return bytes;
            await Task.Delay(5);
        }
    }

    private static long UnsentBytes(int pid, int remotePort)
    {
        long total = 0;
        foreach (var table in new[] { "tcp", "tcp6" })
        {
            string[] lines;
            try
            {
                lines = File.ReadAllLines($"/proc/{pid}/net/{table}");
            }
            catch (IOException)
            {
                continue;
            }
            // sl local_address rem_address st tx_queue:rx_queue …; addresses are HEX:PORT, st 01 = established.
            foreach (var fields in lines.Skip(1).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Where(f => f.Length > 4 && f[3] == "01"))
            {
                if (int.Parse(fields[2].AsSpan(fields[2].LastIndexOf(':') + 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture) == remotePort)
                    total += long.Parse(fields[4].AsSpan(0, fields[4].IndexOf(':')), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            }
        }
        return total;
    }

    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        // Best effort, each step on its own: a test that failed must still leave nothing behind.
        if (_undo.Contains("route"))
            TryIp("route", "del", "unreachable", Subnet, "metric", RouteMetric);
        if (_undo.Contains("veth"))
            TryIp("link", "del", HostVeth); // deletes both ends
        if (_undo.Contains("netns"))
            TryIp("netns", "del", Name);
    }

    private static int FreeSubnet()
    {
        // Another run (or anything else on the machine) may use 10.213.X: pick an X nobody does.
        string inUse = Run("-4", "-o", "addr", "show").Output + Run("-4", "route", "show", "table", "all").Output;
        for (int attempt = 0; attempt < 64; attempt++)
        {
            int x = RandomNumberGenerator.GetInt32(256);
            if (!inUse.Contains($"10.213.{x}.", StringComparison.Ordinal))
                return x;
        }
        throw new InvalidOperationException("no free 10.213.X.0/30 subnet");
    }

    private void Ip(params string[] args)
    {
        var (exitCode, text) = Run(args);
        if (exitCode != 0)
            throw new InvalidOperationException($"`ip {string.Join(' ', args)}` failed ({exitCode}): {text.Trim()}");
    }

    private static void TryIp(params string[] args)
    {
        try
        {
            var (exitCode, text) = Run(args);
            if (exitCode != 0)
                Console.Error.WriteLine($"cleanup: `ip {string.Join(' ', args)}` failed ({exitCode}): {text.Trim()}");
        }
        catch (Win32Exception e)
        {
            Console.Error.WriteLine($"cleanup: `ip {string.Join(' ', args)}` failed: {e.Message}");
        }
    }

    private static (int ExitCode, string Output) Run(params string[] args)
    {
        var start = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
            start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        string text = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, text + error.Result);
    }
}
