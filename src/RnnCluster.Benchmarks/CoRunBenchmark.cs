using RnnCluster.Core.Steps;
using RnnCluster.Training.Runtime;

namespace RnnCluster.Benchmarks;

/// <summary>
/// What one CPU's training step costs while the other CPU is busy: the reference loop bound to
/// CPU slot 0 alone, bound to slot 1 alone, and both at once (two independent loops, one per CPU),
/// in rotating order per round. Where the CPUs share nothing that matters, the pair runs at the
/// singles' speed; where they do, that bounds what a second worker adds and what any other busy
/// thread takes from a worker.
///   corun --embed E --hidden H --layers L --seq T --batch B --steps N --rounds R [--corpus FILE]
/// Last line: alone_ms=… (median of all singles) pair_ms=… (median of both sides of all pairs) pair_ratio=pair/alone
/// </summary>
internal static class CoRunBenchmark
{
    public static int Run(string[] args)
    {
        var o = new BenchmarkOptions(args);
        int steps = o.Int("steps", 40), rounds = o.Int("rounds", 4);
        if (steps <= CoreSteps.WarmUp + 10)
            throw new ArgumentException($"--steps must be > {CoreSteps.WarmUp + 10}.");
        var config = ReferenceConfig.From(o);
        Console.WriteLine($"{config.Describe()}; median step of steps {CoreSteps.WarmUp}..{steps}, {rounds} rounds");

        double[] OnCpus(params int[] slots)
        {
            var medians = new double[slots.Length];
            var threads = slots.Select((slot, i) => new Thread(() =>
            {
                CpuAffinity.PinCurrentThread(slot);
                using var trainer = new ReferenceTrainer(TrainingState.Initial(config.Model, config.Settings), config.Tokens);
                medians[i] = Stats.Median(CoreSteps.Time(trainer, steps));
            })).ToList();
            threads.ForEach(t => t.Start());
            threads.ForEach(t => t.Join());
            return medians;
        }

        var alone = new List<double>();
        var pair = new List<double>();
        for (int r = 0; r < rounds; r++)
        {
            double slot0 = 0, slot1 = 0;
            double[] both = [];
            for (int k = 0; k < 3; k++)
                switch ((k + r) % 3)
                {
                    case 0: slot0 = OnCpus(0)[0]; break;
                    case 1: slot1 = OnCpus(1)[0]; break;
                    default: both = OnCpus(0, 1); break;
                }
            alone.AddRange([slot0, slot1]);
            pair.AddRange(both);
            Console.WriteLine(FormattableString.Invariant(
                $"round {r + 1}: alone slot 0 {slot0:F1} ms, slot 1 {slot1:F1} ms | together slot 0 {both[0]:F1} ms, slot 1 {both[1]:F1} ms"));
        }
        double aloneMs = Stats.Median(alone), pairMs = Stats.Median(pair);
        Console.WriteLine(FormattableString.Invariant($"alone_ms={aloneMs:F1} pair_ms={pairMs:F1} pair_ratio={pairMs / aloneMs:F3}"));
        return 0;
    }
}
