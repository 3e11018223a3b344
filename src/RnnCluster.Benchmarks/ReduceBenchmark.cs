using System.Diagnostics;
using RnnCluster.Core.Kernels;
using RnnCluster.Core.Model;
using RnnCluster.Core.Optim;
using RnnCluster.Core.Steps;
using RnnCluster.Training.ParameterServer;

namespace RnnCluster.Benchmarks;

/// <summary>
/// The parameter server's part of a synchronous step, without the network: --workers gradients of
/// the model's size (config b by default, vocabulary 65) summed in the reduction tree as they
/// would arrive, then the update (clip, Adam), on 1 thread and on --threads threads, interleaved
/// (1, N, 1, N, …); the bytes are checked to agree. Median of --repeat steps after warm-up.
///   reduce [--workers 16] [--threads 4] [--repeat 20] [--embed 64 --hidden 256 --layers 2 --vocab 65]
/// Last line: params=… workers=… threads=… reduce_ms_1=… apply_ms_1=… reduce_ms_n=… apply_ms_n=…
/// </summary>
internal static class ReduceBenchmark
{
    public static int Run(string[] args)
    {
        var o = new BenchmarkOptions(args);
        int workers = o.Int("workers", 16), threads = o.Int("threads", Math.Min(Environment.ProcessorCount, 8)), repeat = o.Int("repeat", 20);
        var model = new ModelDescription(CellKind.Lstm, o.Int("vocab", 65), o.Int("embed", 64), o.Int("hidden", 256), o.Int("layers", 2), 0f);
        var settings = new TrainingSettings(1, 64, 8 * workers, workers, new OptimizerSettings(OptimizerKind.Adam, 2e-3f), new LrSchedule(), ClipNorm: 5f);
        using var one = new Side(model, settings, 1);
        using var many = new Side(model, settings, threads);
        var gradients = Enumerable.Range(0, workers).Select(w => KernelData(one.Size, w)).ToArray();
        for (int i = 0; i < 3; i++)
        {
            one.Step(gradients);
            many.Step(gradients);
        }
        for (int i = 0; i < repeat; i++)
        {
            one.Step(gradients);
            many.Step(gradients);
        }
        if (!one.Parameters.AsSpan().SequenceEqual(many.Parameters))
            throw new InvalidOperationException("the parameters differ between 1 and N threads");
        Console.WriteLine($"{model}: {one.Size} parameters, {workers} gradients a step, median of {repeat} steps, {Environment.ProcessorCount} CPUs");
        Console.WriteLine($"  1 thread    reduce {one.Reduce:F2} ms  apply {one.Apply:F2} ms");
        Console.WriteLine($"  {threads} threads   reduce {many.Reduce:F2} ms  apply {many.Apply:F2} ms");
        Console.WriteLine($"params={one.Size} workers={workers} threads={threads} reduce_ms_1={one.Reduce:F2} apply_ms_1={one.Apply:F2} reduce_ms_n={many.Reduce:F2} apply_ms_n={many.Apply:F2}");
        return 0;
    }

    private static float[] KernelData(int n, int seed)
    {
        var random = new Random(seed);
        var x = new float[n];
        for (int i = 0; i < n; i++)
            x[i] = (float)(random.NextDouble() - 0.5) * 1e-3f;
        return x;
    }

    /// <summary>One parameter server's state and step buffers on a given number of threads.</summary>
    private sealed class Side : IDisposable
    {
        private readonly TrainingState _state;
        private readonly BlockParallel _parallel;
        private readonly SyncStep _step;
        private readonly List<double> _reduce = new(), _apply = new();

        public Side(ModelDescription model, TrainingSettings settings, int threads)
        {
            _state = TrainingState.Initial(model, settings);
            _parallel = new BlockParallel(threads, "bench-ps");
            _state.Parallel = _parallel;
            _step = new SyncStep(settings.MicroBatches, GradientParts.For(_state.Layout), _parallel);
        }

        public int Size => _state.Layout.TotalSize;

        public float[] Parameters => _state.Parameters;

        public double Reduce => Stats.Median(_reduce);

        public double Apply => Stats.Median(_apply);

        public void Step(float[][] gradients)
        {
            _step.Reset();
            // Arrival order: the second half first, as when the slower workers hold the first micro-batches.
            foreach (int m in Enumerable.Range(0, gradients.Length).OrderBy(m => (m + gradients.Length / 2) % gradients.Length))
                _step.Offer(m, m + 1, 0, gradients[m], 1, 1, "w");
            _reduce.Add(_step.ReduceMs);
            long started = Stopwatch.GetTimestamp();
            _state.ApplyInPlace(_step.Sum);
            _apply.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }

        public void Dispose()
        {
            _step.Dispose();
            _state.Parallel = BlockParallel.Sequential;
            _parallel.Dispose();
        }
    }
}
