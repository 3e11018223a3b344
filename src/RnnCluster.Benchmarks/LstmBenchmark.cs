using RnnCluster.Core.Kernels;
using RnnCluster.Core.Model;
using RnnCluster.Core.Steps;

namespace RnnCluster.Benchmarks;

/// <summary>
/// Single-thread training speed: Embedding → cell × L → Linear on tinyshakespeare, Adam, clip 5,
/// one micro-batch per step (the reference step, as one worker runs it).
///   lstm --embed E --hidden H --layers L --seq T --batch B --steps N [--cell lstm|gru|rnn] [--corpus FILE]
///        [--tokens char|word] [--max-vocab N] [--softmax full|adaptive] [--cutoffs c0,c1,…] [--gemm-profile]
///        [--blocks KC,MC,WideKC,WideMC,NC;…]
/// Last line: tokens_per_s=… gflops=… step_ms=… (median over steps 10..N). With the adaptive
/// softmax gflops counts every cluster for every token, an upper bound. --gemm-profile first prints
/// each GEMM shape's calls, time and GFLOP/s per step over steps 10..N, and the GEMMs' share of the step.
/// --blocks runs several sets of GEMM cache blocks (<see cref="BlockSettings"/>) in turn, one per
/// step, and first prints each set's median step (for tuning on a host whose speed drifts).
/// </summary>
internal static class LstmBenchmark
{
    public static int Run(string[] args)
    {
        var o = new BenchmarkOptions(args);
        int steps = o.Int("steps", 60);
        if (steps <= 10)
            throw new ArgumentException("--steps must be > 10: the median is taken over steps 10..N.");
        var config = ReferenceConfig.From(o);
        var (model, settings) = (config.Model, config.Settings);
        var layout = new ParameterLayout(model);
        double flopsPerStep = 6.0 * layout.MatmulWeightsPerToken * config.TokensPerStep;
        Console.WriteLine($"path={KernelPaths.Host} cpu=\"{KernelPaths.CpuModel()}\"");
        Console.WriteLine($"{config.Describe()}; {layout.TotalSize:N0} parameters; {flopsPerStep / 1e9:F3} GFLOP per step; 1 thread");

        GemmProfile.Enabled = o.Flag("gemm-profile");
        var blocks = o.String("blocks") is { } text ? BlockSettings.ParseList(text) : [BlockSettings.Current];
        var timesBySet = blocks.Select(_ => new List<double>()).ToArray();
        blocks[0].Apply();
        using var trainer = new ReferenceTrainer(TrainingState.Initial(model, settings), config.Tokens);
        var times = CoreSteps.Time(trainer, steps, (s, report, ms) =>
        {
            if (s >= CoreSteps.WarmUp)
                timesBySet[s % blocks.Count].Add(ms);
            blocks[(s + 1) % blocks.Count].Apply();
            if (s % 10 == 0 || s == steps - 1)
                Console.WriteLine($"step {s,5}  loss {report.Loss:F4}  {ms,8:F2} ms");
            if (s == CoreSteps.WarmUp - 1)
                GemmProfile.Reset();
        });
        if (blocks.Count > 1)
            for (int i = 0; i < blocks.Count; i++)
                Console.WriteLine($"blocks {blocks[i]}  median {Stats.Median(timesBySet[i]):F1} ms  tokens_per_s={config.TokensPerStep / (Stats.Median(timesBySet[i]) / 1000):F0}  ({timesBySet[i].Count} steps)");
        if (GemmProfile.Enabled)
            PrintGemmProfile(times);
        double median = Stats.Median(times);
        double tokensPerSecond = config.TokensPerStep / (median / 1000);
        double gflops = flopsPerStep / (median / 1000) / 1e9;
        Console.WriteLine($"tokens_per_s={tokensPerSecond:F0} gflops={gflops:F1} step_ms={median:F2}");
        return 0;
    }

    private static void PrintGemmProfile(List<double> times)
    {
        GemmProfile.Enabled = false;
        int steps = times.Count;
        var shapes = GemmProfile.Snapshot();
        Console.WriteLine($"gemm profile, per step over the last {steps} steps:");
        foreach (var shape in shapes)
            Console.WriteLine($"  {shape.Shape,-32} {(double)shape.Calls / steps,6:F0} calls  {shape.Seconds * 1000 / steps,8:F1} ms  {shape.Flops / shape.Seconds / 1e9,6:F1} GFLOP/s");
        double gemmMs = shapes.Sum(s => s.Seconds) * 1000 / steps, stepMs = times.Average();
        Console.WriteLine($"  all GEMMs {gemmMs:F1} ms of a {stepMs:F1} ms mean step ({gemmMs / stepMs:P1})");
    }
}
