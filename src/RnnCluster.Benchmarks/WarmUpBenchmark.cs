using RnnCluster.Core.Steps;

namespace RnnCluster.Benchmarks;

/// <summary>
/// How fast the first steps of a fresh process are: the reference loop from the process's start,
/// its step times in windows of ten. The per-step code that is not marked
/// AggressiveOptimization starts as tier-0 code and is promoted only after its call counts and
/// the runtime's tiering delay, which other JIT activity keeps postponing (in an actor process,
/// Akka's own start-up); the windows show how long the first steps pay for that.
///   warmup --embed E --hidden H --layers L --seq T --batch B --steps N [--cell lstm|gru|rnn] [--corpus FILE]
/// Run it as the process's first and only job (each measurement is a fresh process).
/// Last line: first_ms=… (median of steps 0..9) early_ms=… (10..39) steady_ms=… (40..N) early_ratio=early/steady
/// </summary>
internal static class WarmUpBenchmark
{
    private const int EarlyEnd = 40;

    public static int Run(string[] args)
    {
        var o = new BenchmarkOptions(args);
        int steps = o.Int("steps", 100);
        if (steps <= EarlyEnd + 10)
            throw new ArgumentException($"--steps must be > {EarlyEnd + 10}: the steady state is steps {EarlyEnd}..N.");
        var config = ReferenceConfig.From(o);
        Console.WriteLine($"{config.Describe()}; {steps} steps from a fresh process; 1 thread");

        var all = new List<double>();
        using var trainer = new ReferenceTrainer(TrainingState.Initial(config.Model, config.Settings), config.Tokens);
        CoreSteps.Time(trainer, steps, (s, _, ms) =>
        {
            all.Add(ms);
            if (all.Count % 10 == 0)
                Console.WriteLine(FormattableString.Invariant($"steps {s - 9,4}..{s,4}: median {Stats.Median(all.GetRange(s - 9, 10)):F1} ms"));
        });
        double first = Stats.Median(all.GetRange(0, 10));
        double early = Stats.Median(all.GetRange(10, EarlyEnd - 10));
        double steady = Stats.Median(all.GetRange(EarlyEnd, steps - EarlyEnd));
        Console.WriteLine(FormattableString.Invariant(
            $"first_ms={first:F1} early_ms={early:F1} steady_ms={steady:F1} early_ratio={early / steady:F3}"));
        return 0;
    }
}
