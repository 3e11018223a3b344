using RnnCluster.Core.Data;
using RnnCluster.Core.Model;
using RnnCluster.Core.Optim;
using RnnCluster.Core.Steps;
using RnnCluster.Training.Coordinator;
using RnnCluster.Training.Node;
using RnnCluster.Training.ParameterServer;
using RnnCluster.Training.Runtime;
using RnnCluster.Training.Wire;
using RnnCluster.Training.Worker;

namespace RnnCluster.Benchmarks;

/// <summary>
/// The actor system with one worker against the core's single-thread loop, in ONE process and
/// interleaved in A B B A order: this machine's speed drifts by up to 40% within seconds (other
/// tenants), so two separate processes a minute apart compare noise, not code.
///   actor --embed E --hidden H --layers L --seq T --batch B --steps N --rounds R [--warmup-rounds W] [--corpus FILE] [--threads] [--unpinned]
/// Each round runs the core loop for N steps and a fresh 1-worker run of N steps (SQLite store in
/// a temporary directory, no checkpoints before the last step). Both sides are reported as the
/// tokens/s of their median step over steps 10..N (the core benchmark's statistic), the run also
/// as its mean tokens/s over the same steps (the figure `train` prints). W warm-up rounds (default
/// 1) run first, are printed and are not counted: the process's first actor systems compile
/// thousands of Akka, persistence and hosting methods in the background while their first steps
/// run, a start-up cost a real run pays once, not every 60 steps (the core side's equivalent is
/// over within its ten skipped steps).
/// Last line: core_tokens_per_s=… actor_tokens_per_s=… actor_mean_tokens_per_s=… ratio=… ratio_mean=…
/// (medians over rounds; the ratios are medians of the per-round ratios). With --unpinned each
/// round also runs the actor system with its compute thread left to the OS (the three sides in
/// rotating order), and the last line adds unpinned_tokens_per_s=… unpinned_ratio=….
/// </summary>
internal static class ActorOverheadBenchmark
{
    public static int Run(string[] args)
    {
        // As in `rnncluster` (Program.cs), for both sides.
        using var idlePriorityJit = IdlePriorityJit.Start();
        var o = new BenchmarkOptions(args);
        int steps = o.Int("steps", 60), rounds = o.Int("rounds", 4), warmUpRounds = o.Int("warmup-rounds", 1);
        bool threads = o.Flag("threads");
        bool unpinnedToo = o.Flag("unpinned");
        if (steps <= 20)
            throw new ArgumentException("--steps must be > 20: both sides skip their first 10 steps.");
        if (rounds < 1 || warmUpRounds < 0)
            throw new ArgumentException("--rounds must be at least 1 and --warmup-rounds at least 0.");
        var config = ReferenceConfig.From(o);
        var (model, settings) = (config.Model, config.Settings);
        var split = TrainValidationSplit.Create(config.Tokens);
        int[] train = split.Train.ToArray(), validation = split.ValidationWithContext.ToArray();
        var definition = new RunDefinition(ModelWire.From(model), VocabularyWire.From(config.Tokenizer.Vocabulary), SettingsWire.From(settings),
            CorpusFingerprint.Of(train, validation), train.Length, validation.Length, TrainingMode.Sync, 0, "benchmark");
        int tokensPerStep = config.TokensPerStep;
        Console.WriteLine($"{config.Describe()}; {steps} steps per side and round, {rounds} rounds (A B B A …) after {warmUpRounds} warm-up round(s)");

        var core = new List<double>();
        var actor = new List<double>();
        var actorMean = new List<double>();
        var unpinned = new List<double>();
        string dir = Path.Combine(Path.GetTempPath(), "rnncluster-actor-bench-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            for (int r = 0; r < warmUpRounds + rounds; r++)
            {
                bool counted = r >= warmUpRounds;
                string label = counted ? $"round {r - warmUpRounds + 1}" : $"warm-up round {r + 1}";
                double c = 0;
                RunOutcome? run = null, free = null;
                string coreThreads = "", actorThreads = "";
                // A B B A with two sides; with three, each side leads in turn.
                Side[] order = unpinnedToo
                    ? [.. Enumerable.Range(0, 3).Select(i => (Side)((i + r) % 3))]
                    : r % 2 == 0 ? [Side.Core, Side.Pinned] : [Side.Pinned, Side.Core];
                foreach (var side in order)
                {
                    var before = ThreadCpu.Snapshot();
                    if (side == Side.Core)
                        c = tokensPerStep / (CoreMedianStepMs(model, settings, train, steps) / 1000);
                    else if (side == Side.Pinned)
                        run = ActorRun(definition, train, validation, steps, Path.Combine(dir, $"round{r}.db"), pin: true);
                    else
                        free = ActorRun(definition, train, validation, steps, Path.Combine(dir, $"round{r}-unpinned.db"), pin: false);
                    string busiest = ThreadCpu.Busiest(before, ThreadCpu.Snapshot());
                    if (side == Side.Core) coreThreads = busiest; else if (side == Side.Pinned) actorThreads = busiest;
                }
                double a = tokensPerStep / (run!.Spread!.MedianMs / 1000);
                if (counted)
                {
                    core.Add(c);
                    actor.Add(a);
                    actorMean.Add(run.TokensPerSecond);
                }
                Console.WriteLine(FormattableString.Invariant(
                    $"{label}: core {c:F0} tokens/s, actor system {a:F0} tokens/s (mean {run.TokensPerSecond:F0}), ratio {a / c:P1}; {run.TimingLine}"));
                if (free is not null)
                {
                    double u = tokensPerStep / (free.Spread!.MedianMs / 1000);
                    if (counted)
                        unpinned.Add(u);
                    Console.WriteLine(FormattableString.Invariant(
                        $"  unpinned: actor system {u:F0} tokens/s (mean {free.TokensPerSecond:F0}), ratio {u / c:P1}; {free.TimingLine}"));
                }
                if (threads)
                    Console.WriteLine($"  busiest threads: core side {coreThreads}; actor side {actorThreads}");
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
        double ratio = Stats.Median(core.Zip(actor, (c, a) => a / c));
        double ratioMean = Stats.Median(core.Zip(actorMean, (c, a) => a / c));
        string unpinnedFigures = unpinned.Count == 0 ? "" : FormattableString.Invariant(
            $" unpinned_tokens_per_s={Stats.Median(unpinned):F0} unpinned_ratio={Stats.Median(core.Zip(unpinned, (c, u) => u / c)):F3}");
        Console.WriteLine(FormattableString.Invariant(
            $"core_tokens_per_s={Stats.Median(core):F0} actor_tokens_per_s={Stats.Median(actor):F0} actor_mean_tokens_per_s={Stats.Median(actorMean):F0} ratio={ratio:F3} ratio_mean={ratioMean:F3}") + unpinnedFigures);
        return 0;
    }

    /// <summary>The core benchmark's figure: the median step of a fresh reference loop, steps 10..N.</summary>
    private static double CoreMedianStepMs(ModelDescription model, TrainingSettings settings, int[] train, int steps)
    {
        using var trainer = new ReferenceTrainer(TrainingState.Initial(model, settings), train);
        return Stats.Median(CoreSteps.Time(trainer, steps));
    }

    private enum Side { Core, Pinned, Unpinned }

    /// <summary>`train --workers 1 --checkpoint-every 0` in this process (pinned as `train` does, or not).</summary>
    private static RunOutcome ActorRun(RunDefinition definition, int[] train, int[] validation, int steps, string db, bool pin)
    {
        string runId = "bench-" + Guid.NewGuid().ToString("N")[..8];
        var request = new RunRequest(runId, definition, train, validation, Resume: false, steps, new CheckpointPolicy(0, 1),
            MinWorkers: 1, ValidateEvery: 0, StepTimeout: TimeSpan.FromMinutes(1));
        var session = new SessionOptions("bench", new MembershipOptions(), StoreOptions.Sqlite(db), request, [("w0", WorkerFaults.None)],
            PinComputeThreads: pin);
        var result = TrainingSession.RunAsync(session).GetAwaiter().GetResult();
        if (result.Outcome is not { Success: true } outcome)
            throw new InvalidOperationException($"The benchmark run failed: {result.Ended.Summary}");
        return outcome;
    }
}
