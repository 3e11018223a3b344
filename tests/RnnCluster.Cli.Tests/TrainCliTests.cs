using Xunit.Abstractions;

namespace RnnCluster.Cli.Tests;

/// <summary>`rnncluster train` as a user runs it: exit codes, the summary line, exports that compare bytes.</summary>
[Trait(Tier.Name, Tier.Process)]
public sealed class TrainCliTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    /// <summary>A small, quick model on the built-in Reber text.</summary>
    internal static string[] Small(string db, string runId, int steps, params string[] extra) =>
    [
        "train", "--dataset", "reber", "--embed", "8", "--hidden", "24", "--layers", "2", "--dropout", "0.1", "--seq", "16",
        "--batch", "16", "--micro-batches", "4", "--lr", "1e-2", "--steps", steps.ToString(), "--db", db, "--run-id", runId,
        "--plain", "--samples", "1", .. extra,
    ];

    private static async Task<byte[]> Export(ScratchDirectory dir, string db, string runId)
    {
        string file = dir.File($"{runId}.bin");
        var result = await CliProcess.RunAsync(dir.Path, Timeout, "checkpoints", "export", "--run", runId, "--db", db, "--out", file);
        Assert.True(result.ExitCode == 0, result.ToString());
        return await File.ReadAllBytesAsync(file);
    }

    [Fact]
    public async Task Train_prints_the_summary_line_last_and_exports_raw_parameters()
    {
        using var dir = new ScratchDirectory();
        string db = dir.File("store.db");
        var result = await CliProcess.RunAsync(dir.Path, Timeout, Small(db, "summary", 20, "--workers", "2"));
        output.WriteLine(result.ToString());
        Assert.Equal(0, result.ExitCode);
        Assert.Matches(@"^run=summary steps=20 tokens_per_s=\d+ train_loss=\d+\.\d+ val_loss=\d+\.\d+$", result.LastLine);
        Assert.True(File.Exists(dir.File("summary-loss.png")));
        var bytes = await Export(dir, db, "summary");
        Assert.Equal(0, bytes.Length % 4);
    }

    [Fact]
    public async Task A_straggler_s_share_is_backed_up_and_the_bytes_do_not_change()
    {
        using var dir = new ScratchDirectory();
        string db = dir.File("store.db");
        var even = await CliProcess.RunAsync(dir.Path, Timeout, Small(db, "even", 20, "--workers", "3", "--backup-tasks", "off"));
        Assert.True(even.ExitCode == 0, even.ToString());
        Assert.DoesNotContain("backup tasks won", even.Output);

        var straggling = await CliProcess.RunAsync(dir.Path, Timeout, Small(db, "straggler", 20, "--workers", "3", "--slow-worker", "1@6"));
        output.WriteLine(straggling.ToString());
        Assert.True(straggling.ExitCode == 0, straggling.ToString());
        Assert.Matches(@"backup tasks won [1-9]\d*", straggling.Output);
        Assert.Matches(@"\bw1=\d+ \(compute median \d+\.\d ms, p95 \d+\.\d\)", straggling.Output); // listed even when every share of it was overtaken
        Assert.Equal(await Export(dir, db, "even"), await Export(dir, db, "straggler"));
    }

    [Fact]
    public async Task A_resume_keeps_the_checkpoint_policy_the_run_was_created_with()
    {
        using var dir = new ScratchDirectory();
        string db = dir.File("store.db");
        var first = await CliProcess.RunAsync(dir.Path, Timeout, Small(db, "policy", 10, "--workers", "1", "--checkpoint-every", "5", "--keep-checkpoints", "2"));
        Assert.True(first.ExitCode == 0, first.ToString());

        var resumed = await CliProcess.RunAsync(dir.Path, Timeout, "train", "--resume", "policy", "--steps", "20", "--db", db, "--plain", "--samples", "0", "--workers", "1");
        output.WriteLine(resumed.ToString());
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Contains("checkpoint every 5 steps, keep 2", resumed.Output);
        Assert.Contains("checkpoint of step 15 saved", resumed.Output);

        var overridden = await CliProcess.RunAsync(dir.Path, Timeout, "train", "--resume", "policy", "--steps", "24", "--checkpoint-every", "2", "--db", db, "--plain", "--samples", "0", "--workers", "1");
        Assert.True(overridden.ExitCode == 0, overridden.ToString());
        Assert.Contains("checkpoint every 2 steps, keep 2", overridden.Output);
    }

    [Fact]
    public async Task Kill_9_right_after_a_checkpoint_then_resume_gives_the_straight_run_bytes()
    {
        using var dir = new ScratchDirectory();
        string db = dir.File("store.db");
        var straight = await CliProcess.RunAsync(dir.Path, Timeout, Small(db, "straight", 30, "--workers", "2", "--checkpoint-every", "10"));
        Assert.True(straight.ExitCode == 0, straight.ToString());

        // SIGKILL from within when step 22 is handed out, just after the checkpoint of step 20: a
        // kill from here after that line could come after the run had ended on a fast host.
        using (var victim = CliProcess.Start(dir.Path, Small(db, "killed", 30, "--workers", "2", "--checkpoint-every", "10", "--die-at-step", "22")))
        {
            var died = await victim.WaitAsync(Timeout);
            Assert.True(died.ExitCode == 137, died.ToString());
        }
        var resumed = await CliProcess.RunAsync(dir.Path, Timeout, "train", "--resume", "killed", "--steps", "30", "--db", db, "--plain", "--samples", "0", "--workers", "3");
        output.WriteLine(resumed.ToString());
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.StartsWith("run=killed steps=30 ", resumed.LastLine);
        Assert.Equal(await Export(dir, db, "straight"), await Export(dir, db, "killed"));
    }

    [Fact]
    public async Task Fail_worker_mid_epoch_gives_the_no_failure_bytes()
    {
        using var dir = new ScratchDirectory();
        string db = dir.File("store.db");
        var clean = await CliProcess.RunAsync(dir.Path, Timeout, Small(db, "clean", 12, "--workers", "3"));
        Assert.True(clean.ExitCode == 0, clean.ToString());
        var failed = await CliProcess.RunAsync(dir.Path, Timeout, Small(db, "failed", 12, "--workers", "3", "--fail-worker", "1@7", "--serialize-messages"));
        output.WriteLine(failed.ToString());
        Assert.True(failed.ExitCode == 0, failed.ToString());
        Assert.Contains("worker w1 lost", failed.Output, StringComparison.Ordinal);
        Assert.Equal(await Export(dir, db, "clean"), await Export(dir, db, "failed"));
    }

    [Fact]
    public async Task A_run_whose_only_worker_crashes_fails_keeps_its_checkpoints_and_resumes_to_the_same_bytes()
    {
        using var dir = new ScratchDirectory();
        string db = dir.File("store.db");
        var clean = await CliProcess.RunAsync(dir.Path, Timeout, Small(db, "clean", 12, "--workers", "1"));
        Assert.True(clean.ExitCode == 0, clean.ToString());

        // One simulated worker and nobody else can join: the run must fail, not wait forever.
        var failed = await CliProcess.RunAsync(dir.Path, Timeout, Small(db, "alone", 12, "--workers", "1", "--fail-worker", "0@5", "--checkpoint-every", "2"));
        output.WriteLine(failed.ToString());
        Assert.NotEqual(0, failed.ExitCode);
        Assert.Contains("every worker of this process stopped", failed.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("run=alone", failed.Output, StringComparison.Ordinal);

        var resumed = await CliProcess.RunAsync(dir.Path, Timeout, "train", "--resume", "alone", "--steps", "12", "--db", db, "--plain", "--samples", "0", "--workers", "1");
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Equal(await Export(dir, db, "clean"), await Export(dir, db, "alone"));
    }

    [Theory]
    [InlineData("missing")]
    [InlineData("empty")]
    [InlineData("binary")]
    [InlineData("invalid-utf8")]
    [InlineData("too-short")]
    public async Task Bad_corpus_is_a_clear_error_with_a_non_zero_exit(string kind)
    {
        using var dir = new ScratchDirectory();
        string corpus = dir.File("corpus.txt");
        string expected = kind switch
        {
            "missing" => "does not exist",
            "empty" => "is empty",
            "binary" => "NUL byte",
            "invalid-utf8" => "not valid UTF-8",
            _ => "needs at least",
        };
        switch (kind)
        {
            case "empty": await File.WriteAllTextAsync(corpus, ""); break;
            case "binary": await File.WriteAllBytesAsync(corpus, [0x50, 0x4B, 0x03, 0x04, 0x00, 0x00, 0x10, 0x00]); break;
            case "invalid-utf8": await File.WriteAllBytesAsync(corpus, [0x68, 0x69, 0x20, 0xC3, 0x28, 0x21]); break;
            case "too-short": await File.WriteAllTextAsync(corpus, "to be or not"); break;
        }
        var result = await CliProcess.RunAsync(dir.Path, Timeout, "train", "--corpus", corpus, "--db", dir.File("store.db"), "--plain");
        output.WriteLine(result.ToString());
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains(expected, result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Error, StringComparison.Ordinal); // a message, not a stack trace
    }

    [Fact]
    public async Task Resume_of_an_unknown_run_and_with_a_changed_shape_are_refused_without_losing_checkpoints()
    {
        using var dir = new ScratchDirectory();
        string db = dir.File("store.db");
        var unknown = await CliProcess.RunAsync(dir.Path, Timeout, "train", "--resume", "nobody", "--db", db, "--plain");
        Assert.NotEqual(0, unknown.ExitCode);
        Assert.Contains("no run 'nobody'", unknown.Error, StringComparison.Ordinal);

        var first = await CliProcess.RunAsync(dir.Path, Timeout, Small(db, "kept", 6, "--checkpoint-every", "3"));
        Assert.True(first.ExitCode == 0, first.ToString());
        var before = await Export(dir, db, "kept");
        var changed = await CliProcess.RunAsync(dir.Path, Timeout, "train", "--resume", "kept", "--steps", "12", "--hidden", "32", "--db", db, "--plain");
        output.WriteLine(changed.ToString());
        Assert.NotEqual(0, changed.ExitCode);
        Assert.Contains("hidden 24 vs 32", changed.Error, StringComparison.Ordinal);
        Assert.Equal(before, await Export(dir, db, "kept"));
        var list = await CliProcess.RunAsync(dir.Path, Timeout, "checkpoints", "list", "--db", db);
        Assert.Contains("step        6", list.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("TERM")]
    [InlineData("INT")]
    public async Task A_signal_stops_after_the_current_step_with_a_checkpoint_and_resume_finishes_bit_exactly(string signal)
    {
        using var dir = new ScratchDirectory();
        string db = dir.File("store.db");
        var straight = await CliProcess.RunAsync(dir.Path, Timeout, Small(db, "straight", 300, "--workers", "2", "--checkpoint-every", "1000"));
        Assert.True(straight.ExitCode == 0, straight.ToString());

        CliResult stopped;
        using (var run = CliProcess.Start(dir.Path, Small(db, "stopped", 300, "--workers", "2", "--checkpoint-every", "10")))
        {
            await run.WaitForLine("checkpoint of step 20 saved", Timeout);
            run.Signal(signal);
            stopped = await run.WaitAsync(Timeout);
        }
        output.WriteLine(stopped.ToString());
        Assert.True(stopped.ExitCode == 0, stopped.ToString());
        Assert.Contains("stopped at step", stopped.Output, StringComparison.Ordinal);
        var resumed = await CliProcess.RunAsync(dir.Path, Timeout, "train", "--resume", "stopped", "--steps", "300", "--db", db, "--plain", "--samples", "0");
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Equal(await Export(dir, db, "straight"), await Export(dir, db, "stopped"));
    }
}
