using System.Text.Json;
using RnnCluster.Training.Wire;
using Xunit.Abstractions;

namespace RnnCluster.Cli.Tests;

/// <summary>
/// Real OS processes killed with SIGKILL in the middle of a run: the run finishes with exactly the
/// bytes of a run without failures, and the parameter server's ledger shows every micro-batch of
/// every step applied once.
/// </summary>
[Trait(Tier.Name, Tier.Process)]
[Collection(nameof(FaultToleranceTests))]
public sealed class FaultToleranceTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);
    private const int MicroBatches = 4;

    // Runs killed from here after a line of output are long enough that the kill still lands
    // mid-run on a fast host whose test process reads that line late (steps take ~15 ms).
    private const int LongRun = 400;

    private static string[] Model(int steps) =>
    [
        "--dataset", "reber", "--embed", "8", "--hidden", "32", "--layers", "2", "--seq", "16", "--batch", "16",
        "--micro-batches", MicroBatches.ToString(), "--lr", "1e-2", "--steps", steps.ToString(), "--seed", "3",
    ];

    private static string Address(int port) => $"akka.tcp://rnncluster@127.0.0.1:{port}";

    internal static int FreePort() => PortPair.FreeOnLoopback();

    private async Task<byte[]> Reference(ScratchDirectory dir, int steps)
    {
        string db = dir.File("reference.db");
        var run = await CliProcess.RunAsync(dir.Path, Timeout, ["train", .. Model(steps), "--workers", "1", "--db", db, "--run-id", "reference", "--plain", "--samples", "0"]);
        Assert.True(run.ExitCode == 0, run.ToString());
        return await Export(dir, db, "reference");
    }

    internal static async Task<byte[]> Export(ScratchDirectory dir, string db, string runId)
    {
        string file = dir.File(runId + ".bin");
        var export = await CliProcess.RunAsync(dir.Path, Timeout, "checkpoints", "export", "--run", runId, "--out", file, "--db", db);
        Assert.True(export.ExitCode == 0, export.ToString());
        return await File.ReadAllBytesAsync(file);
    }

    /// <summary>Every step 0..steps-1 once, its sub-trees partitioning [0, M) exactly.</summary>
    internal static void AssertLedger(string path, string runId, int steps, int microBatches)
    {
        var seen = new Dictionary<long, int>();
        foreach (var line in File.ReadAllLines(path))
        {
            using var json = JsonDocument.Parse(line);
            if (json.RootElement.GetProperty("run").GetString() != runId)
                continue;
            long step = json.RootElement.GetProperty("step").GetInt64();
            seen[step] = seen.GetValueOrDefault(step) + 1;
            var covered = new int[microBatches];
            foreach (var node in json.RootElement.GetProperty("nodes").EnumerateArray())
                for (int m = node[0].GetInt32(); m < node[1].GetInt32(); m++)
                    covered[m]++;
            Assert.True(covered.All(c => c == 1), $"step {step}: micro-batches applied {string.Join(",", covered)} times");
        }
        for (long s = 0; s < steps; s++)
            Assert.True(seen.GetValueOrDefault(s) == 1, $"step {s} applied {seen.GetValueOrDefault(s)} times");
    }

    private static string[] Worker(int seedPort, params string[] extra) =>
        ["node", "--roles", "worker", "--port", "0", "--seed", Address(seedPort), "--plain", "--rejoin-for", "180", .. extra];

    private static string[] CoordinatorPs(int port, string db, string ledger, string runId, int steps, params string[] extra) =>
        ["node", "--roles", "coordinator,ps", "--port", port.ToString(), "--db", db, "--ledger", ledger, "--run-id", runId,
         "--min-workers", "2", "--checkpoint-every", "10", "--plain", "--samples", "0", .. Model(steps), .. extra];

    [Fact]
    public async Task Kill_9_of_a_worker_mid_epoch_is_reassigned_without_waiting_for_the_split_brain_resolver()
    {
        using var dir = new ScratchDirectory();
        var expected = await Reference(dir, 60);
        int port = FreePort();
        string db = dir.File("store.db"), ledger = dir.File("ledger.jsonl");
        using var coordinator = CliProcess.Start(dir.Path, CoordinatorPs(port, db, ledger, "kill-worker", 60, "--step-timeout", "60"));
        await coordinator.WaitForLine(" up with roles ", Timeout);
        // The victim kills itself (SIGKILL) when given step 25: killed from here after a line of
        // output, it could still be computing on a fast host when the run had already ended.
        using var victim = CliProcess.Start(dir.Path, Worker(port, "--die-at-step", "25"));
        using var survivor = CliProcess.Start(dir.Path, Worker(port));
        var died = await victim.WaitAsync(Timeout);
        Assert.True(died.ExitCode == 137, died.ToString());
        var killedAt = DateTime.UtcNow;
        string lost = await coordinator.WaitForLine(" lost (", Timeout);
        double noticed = (DateTime.UtcNow - killedAt).TotalSeconds;
        output.WriteLine($"noticed after {noticed:F1} s: {lost}");
        Assert.True(noticed < 15, $"the loss was noticed only after {noticed:F1} s");

        var results = await Task.WhenAll(coordinator.WaitAsync(Timeout), survivor.WaitAsync(Timeout));
        foreach (var r in results)
            Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(expected, await Export(dir, db, "kill-worker"));
        AssertLedger(ledger, "kill-worker", 60, MicroBatches);
    }

    [Fact]
    public async Task Kill_9_of_the_coordinator_and_parameter_server_then_restart_resumes_to_the_same_bytes()
    {
        using var dir = new ScratchDirectory();
        var expected = await Reference(dir, LongRun);
        int port = FreePort();
        string db = dir.File("store.db"), ledger = dir.File("ledger.jsonl");
        using var w1 = CliProcess.Start(dir.Path, Worker(port));
        using var w2 = CliProcess.Start(dir.Path, Worker(port));
        using (var first = CliProcess.Start(dir.Path, CoordinatorPs(port, db, ledger, "kill-server", LongRun)))
        {
            await first.WaitForLine("checkpoint of step 20 saved", Timeout);
            first.KillHard();
            await first.WaitAsync(Timeout);
        }
        var restarted = await CliProcess.RunAsync(dir.Path, Timeout, ["node", "--roles", "coordinator,ps", "--port", port.ToString(), "--db", db,
            "--resume", "kill-server", "--steps", LongRun.ToString(), "--min-workers", "2", "--plain", "--samples", "0"]);
        output.WriteLine(restarted.ToString());
        Assert.True(restarted.ExitCode == 0, restarted.ToString());
        Assert.StartsWith($"run=kill-server steps={LongRun} ", restarted.LastLine);
        var workers = await Task.WhenAll(w1.WaitAsync(Timeout), w2.WaitAsync(Timeout));
        foreach (var r in workers)
            Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(expected, await Export(dir, db, "kill-server"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_shard_node_killed_with_kill_9_rolls_the_run_back_to_its_checkpoint_and_gives_the_same_bytes(bool restartAtOnce)
    {
        // Hidden 100: two norm blocks, so that each of the two ps nodes holds one shard.
        string[] model = [.. Model(LongRun).Select(a => a == "32" ? "100" : a)];
        using var dir = new ScratchDirectory();
        string reference = dir.File("reference.db"), db = dir.File("store.db");
        var run = await CliProcess.RunAsync(dir.Path, Timeout, ["train", .. model, "--workers", "1", "--db", reference, "--run-id", "reference", "--plain", "--samples", "0"]);
        Assert.True(run.ExitCode == 0, run.ToString());
        // Both ps nodes are up before the run begins, so Cluster Sharding places a shard on each; the
        // first is the oldest and holds the run's actor, the second holds only a shard.
        int first = FreePort(), second = FreePort();
        using var lead = CliProcess.Start(dir.Path, ["node", "--roles", "ps", "--port", first.ToString(), "--db", db, "--plain", "--verbose"]);
        await lead.WaitForLine(" up with roles ", Timeout);
        string[] shardArgs = ["node", "--roles", "ps", "--port", second.ToString(), "--seed", Address(first), "--db", db, "--plain"];
        var shardNode = CliProcess.Start(dir.Path, shardArgs);
        await shardNode.WaitForLine(" up with roles ", Timeout);
        // " up with roles " comes before membership; the lead (alone, so the leader) logs the Up.
        await lead.WaitForLine($"Leader is moving node [{Address(second)}] to [Up]", Timeout);
        using var coordinator = CliProcess.Start(dir.Path, ["node", "--roles", "coordinator", "--port", "0", "--seed", Address(first), "--db", db, "--run-id", "shard-kill",
            "--min-workers", "2", "--checkpoint-every", "10", "--ps-shards", "2", "--plain", "--samples", "0", .. model]);
        using var w1 = CliProcess.Start(dir.Path, Worker(first));
        using var w2 = CliProcess.Start(dir.Path, Worker(first));
        try
        {
            await lead.WaitForLine($"is on {Address(second)}", Timeout);
            await coordinator.WaitForLine("checkpoint of step 20 saved", Timeout);
            shardNode.KillHard();
            await shardNode.WaitAsync(Timeout);
            if (restartAtOnce) // same host and port; as with the parameter server, its agent waits for the run's end
            {
                shardNode.Dispose();
                shardNode = CliProcess.Start(dir.Path, new Dictionary<string, string> { ["RNNCLUSTER_NODE__REGISTERED_INTERVAL"] = "1h" }, shardArgs);
            }
            await coordinator.WaitForLine("parameter server back at step", Timeout);
            var results = await Task.WhenAll(coordinator.WaitAsync(Timeout), lead.WaitAsync(Timeout), w1.WaitAsync(Timeout), w2.WaitAsync(Timeout),
                restartAtOnce ? shardNode.WaitAsync(Timeout) : Task.FromResult(new CliResult(0, "", "")));
            foreach (var r in results)
                Assert.True(r.ExitCode == 0, r.ToString());
            Assert.StartsWith($"run=shard-kill steps={LongRun} ", results[0].LastLine);
        }
        catch
        {
            foreach (var (name, process) in new[] { ("coordinator", coordinator), ("ps node with the run", lead), ("worker 1", w1), ("worker 2", w2) })
                output.WriteLine($"---- {name} (pid {process.Id}) ----\n{process.Output}\n{process.Error}");
            throw;
        }
        finally
        {
            shardNode.Dispose();
        }
        Assert.Equal(await Export(dir, reference, "reference"), await Export(dir, db, "shard-kill"));
    }

    [Fact]
    public async Task Separate_coordinator_and_parameter_server_each_killed_in_turn_give_the_same_bytes()
    {
        using var dir = new ScratchDirectory();
        var expected = await Reference(dir, LongRun);
        int psPort = FreePort(), coordinatorPort = FreePort();
        string db = dir.File("store.db"), ledger = dir.File("ledger.jsonl");
        string[] ps = ["node", "--roles", "ps", "--port", psPort.ToString(), "--db", db, "--ledger", ledger, "--plain"];
        string[] coordinatorArgs = ["node", "--roles", "coordinator", "--port", coordinatorPort.ToString(), "--seed", Address(psPort), "--db", db,
            "--min-workers", "2", "--checkpoint-every", "10", "--plain", "--samples", "0", .. Model(LongRun)];

        var server = CliProcess.Start(dir.Path, ps);
        await server.WaitForLine(" up with roles ", Timeout);
        var coordinator = CliProcess.Start(dir.Path, [.. coordinatorArgs, "--run-id", "split-kill"]);
        using var w1 = CliProcess.Start(dir.Path, Worker(psPort));
        using var w2 = CliProcess.Start(dir.Path, Worker(psPort));
        try
        {
            // 1. The parameter server dies; a new one joins through the coordinator and loads the last checkpoint.
            await coordinator.WaitForLine("checkpoint of step 20 saved", Timeout);
            server.KillHard();
            await server.WaitAsync(Timeout);
            server.Dispose();
            // Acknowledged by the first coordinator, this node's agent does not register again within
            // the run: only the end the coordinator sends every member's agent lets it exit.
            server = CliProcess.Start(dir.Path, new Dictionary<string, string> { ["RNNCLUSTER_NODE__REGISTERED_INTERVAL"] = "1h" },
                [.. ps, "--seed", Address(coordinatorPort)]);
            await coordinator.WaitForLine("parameter server back at step", Timeout);

            // 2. The coordinator dies; a new one resumes the run the parameter server still holds.
            await coordinator.WaitForLine("checkpoint of step 50 saved", Timeout);
            coordinator.KillHard();
            await coordinator.WaitAsync(Timeout);
            coordinator.Dispose();
            var restarted = await CliProcess.RunAsync(dir.Path, Timeout, [.. coordinatorArgs, "--resume", "split-kill"]);
            output.WriteLine(restarted.ToString());
            Assert.True(restarted.ExitCode == 0, restarted.ToString());
            Assert.StartsWith($"run=split-kill steps={LongRun} ", restarted.LastLine);
            var rest = await Task.WhenAll(server.WaitAsync(Timeout), w1.WaitAsync(Timeout), w2.WaitAsync(Timeout));
            foreach (var r in rest)
                Assert.True(r.ExitCode == 0, r.ToString());
        }
        catch
        {
            // The awaited process's output is in the exception; the others tell the rest of the story.
            foreach (var (name, process) in new[] { ("parameter server", server), ("worker 1", w1), ("worker 2", w2) })
                output.WriteLine($"---- {name} (pid {process.Id}) ----\n{process.Output}\n{process.Error}");
            throw;
        }
        finally
        {
            server.Dispose();
            coordinator.Dispose();
        }
        Assert.Equal(expected, await Export(dir, db, "split-kill"));
    }
}

[CollectionDefinition(nameof(FaultToleranceTests), DisableParallelization = true)]
public sealed class FaultToleranceCollection;
