using Xunit.Abstractions;

namespace RnnCluster.Cli.Tests;

/// <summary>
/// About three minutes of trouble: worker processes are killed (SIGKILL) and restarted at random
/// moments of a run. The final bytes equal the quiet run's, and the parameter server's ledger
/// shows every micro-batch of every step applied exactly once.
/// </summary>
[Trait(Tier.Name, Tier.Process)]
[Collection(nameof(FaultToleranceTests))]
public sealed class ChaosTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(8);

    [Fact]
    public async Task Random_worker_kills_and_restarts_change_nothing()
    {
        const int steps = 1200, microBatches = 8, workers = 3;
        string[] model =
        [
            "--dataset", "reber", "--embed", "8", "--hidden", "48", "--layers", "2", "--seq", "32", "--batch", "32",
            "--micro-batches", microBatches.ToString(), "--lr", "1e-2", "--steps", steps.ToString(), "--seed", "11",
        ];
        using var dir = new ScratchDirectory();
        string referenceDb = dir.File("reference.db");
        var reference = await CliProcess.RunAsync(dir.Path, Timeout, ["train", .. model, "--workers", "1", "--db", referenceDb, "--run-id", "quiet", "--plain", "--samples", "0"]);
        Assert.True(reference.ExitCode == 0, reference.ToString());

        int port = FaultToleranceTests.FreePort();
        string db = dir.File("store.db"), ledger = dir.File("ledger.jsonl");
        using var coordinator = CliProcess.Start(dir.Path, ["node", "--roles", "coordinator,ps", "--port", port.ToString(), "--db", db, "--ledger", ledger,
            "--run-id", "chaos", "--min-workers", workers.ToString(), "--checkpoint-every", "50", "--plain", "--samples", "0", .. model]);
        await coordinator.WaitForLine(" up with roles ", Timeout);
        // Each worker slot restarts on its own address, as a supervisor (systemd, compose) would.
        var ports = Enumerable.Range(0, workers).Select(_ => FaultToleranceTests.FreePort()).ToArray();
        string[] Worker(int slot) => ["node", "--roles", "worker", "--port", ports[slot].ToString(), "--seed", $"akka.tcp://rnncluster@127.0.0.1:{port}", "--plain", "--rejoin-for", "300"];
        var running = Enumerable.Range(0, workers).Select(i => CliProcess.Start(dir.Path, Worker(i))).ToList();
        var retired = new List<CliProcess>();
        var rng = new Random(20261128);
        var finished = coordinator.WaitAsync(Timeout);
        int kills = 0;
        try
        {
            await coordinator.WaitForLine("[chaos] new run", Timeout);
            var chaosUntil = DateTime.UtcNow.AddMinutes(3);
            while (!finished.IsCompleted && DateTime.UtcNow < chaosUntil)
            {
                // One kill at a time, far enough apart that the cluster keeps its majority.
                await Task.WhenAny(finished, Task.Delay(TimeSpan.FromSeconds(5 + rng.Next(8))));
                if (finished.IsCompleted)
                    break;
                int victim = rng.Next(running.Count);
                running[victim].KillHard();
                retired.Add(running[victim]);
                kills++;
                output.WriteLine($"{DateTime.UtcNow:HH:mm:ss} killed worker process {victim}");
                await Task.WhenAny(finished, Task.Delay(TimeSpan.FromSeconds(rng.Next(1, 6))));
                running[victim] = CliProcess.Start(dir.Path, Worker(victim));
            }
            var result = await finished;
            output.WriteLine(result.ToString());
            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.StartsWith($"run=chaos steps={steps} ", result.LastLine);
            Assert.True(kills >= 3, $"only {kills} kills happened: the run was too short for a chaos test");
            // Workers started near the end may never see the run (their exit codes are not the point here).
        }
        finally
        {
            foreach (var w in running.Concat(retired))
                w.Dispose();
        }
        Assert.Equal(await FaultToleranceTests.Export(dir, referenceDb, "quiet"), await FaultToleranceTests.Export(dir, db, "chaos"));
        FaultToleranceTests.AssertLedger(ledger, "chaos", steps, microBatches);
        output.WriteLine($"{kills} worker kills; bytes and ledger as without failures");
    }
}
