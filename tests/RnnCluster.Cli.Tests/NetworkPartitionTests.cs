using System.Diagnostics;
using System.Globalization;
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

        // 1. Cut the link after a checkpoint at a moment the worker has a gradient on the wire (its bulk
        //    connection holds unacknowledged bytes), so something stale is certain to arrive after its
        //    return. Unshaped, a gradient leaves in well under a millisecond and cuts timed by the
        //    checkpoint lines missed it 21 times in a row on a loaded CI host (and an undone cut can
        //    still cost the worker its membership). So the worker's side of the link is first slowed
        //    to 1 Mbit/s: its next gradient (209 KB) then takes over a second to leave, and the cut
        //    comes as soon as part of it waits. The shaping goes again with the cut, so what is left
        //    flows at full speed once the link is back.
        var clock = Stopwatch.StartNew();
        TimeSpan cutAt = default;
        int cutMark = 0;
        long inFlight = 0;
        int attempts = 0;
        for (int checkpoint = 10; inFlight == 0; checkpoint += 10)
        {
            if (attempts == 5)
                throw new XunitException($"{attempts} tries never caught the worker with a gradient on the wire.\ncoordinator:\n{coordinator.Output}");
            await Expect(coordinator, $"checkpoint of step {checkpoint} saved", $"the checkpoint of step {checkpoint}");
            cutMark = coordinator.LineCount;
            attempts++;
            net.ThrottleNamespaceEgress("1mbit");
            inFlight = await NetworkNamespace.WaitForUnsentBytes(cutOff.Id, bulkPort, 32 * 1024, TimeSpan.FromSeconds(3));
            if (inFlight > 0)
            {
                net.CutLink();
                cutAt = clock.Elapsed;
            }
            net.UnthrottleNamespaceEgress();
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
