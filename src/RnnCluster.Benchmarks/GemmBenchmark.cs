using System.Diagnostics;
using System.Globalization;
using RnnCluster.Core.Kernels;
using RnnCluster.Core.Memory;

namespace RnnCluster.Benchmarks;

/// <summary>
/// GFLOP/s of one GEMM shape, single-threaded.
/// Usage: gemm --m M --n N --k K [--transa] [--transb] [--packed] [--path auto|v512|v256|scalar]
///             [--compare] [--seconds S] [--kc KC --mc MC --nc NC]
/// --packed measures <see cref="PackedB"/> with B packed once outside the timed loop (weights
/// packed once per optimizer step). --compare additionally runs unpacked/packed on every supported
/// path, interleaved round-robin in the same run so machine noise hits all variants alike.
/// Reports the median of repeated samples after a warm-up long enough to leave the slow JIT tiers.
/// Last line: gflops=… for the selected variant.
/// </summary>
public static unsafe class GemmBenchmark
{
    public static int Run(string[] args)
    {
        int m = 256, n = 256, k = 256;
        bool transA = false, transB = false, packed = false, compare = false;
        double seconds = 2.0;
        GemmPath path = GemmPath.Auto;
        for (int i = 1; i < args.Length; i++)
        {
            string arg = args[i];
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{arg} needs a value");
            int NextInt() => int.Parse(Next(), CultureInfo.InvariantCulture);
            switch (arg)
            {
                case "--m": m = NextInt(); break;
                case "--n": n = NextInt(); break;
                case "--k": k = NextInt(); break;
                case "--transa": transA = true; break;
                case "--transb": transB = true; break;
                case "--packed": packed = true; break;
                case "--compare": compare = true; break;
                case "--seconds": seconds = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--path": path = ParsePath(Next()); break;
                case "--kc": GemmLayout.KC = NextInt(); break;
                case "--mc": GemmLayout.MC = NextInt(); break;
                case "--nc": GemmLayout.NC = NextInt(); break;
                default:
                    Console.Error.WriteLine($"unknown option {arg}");
                    return 2;
            }
        }

        int lda = transA ? m : k, ldb = transB ? k : n;
        using var a = Filled(m * k, 1);
        using var b = Filled(k * n, 2);
        using var c = new AlignedBuffer(m * n);
        using var pb = new PackedB(k, n);
        pb.Pack(b.Pointer, ldb, transB);

        var variants = new List<(string Name, GemmPath Path, bool Packed)> { (Describe(path, packed), path, packed) };
        if (compare)
            foreach (GemmPath p in new[] { GemmPath.Vector512, GemmPath.Vector256 })
                foreach (bool pk in new[] { false, true })
                    if (Gemm.IsSupported(p) && !(p == Resolve(path) && pk == packed))
                        variants.Add((Describe(p, pk), p, pk));

        double flops = 2.0 * m * n * k;
        Console.WriteLine($"gemm M={m} N={n} K={k} transA={transA} transB={transB} KC={GemmLayout.KC} MC={GemmLayout.MC} NC={GemmLayout.NC} best path={Gemm.BestPath}");

        // Calls per sample: about 20 ms of work at 100 GFLOP/s.
        int calls = (int)Math.Clamp(2e9 / Math.Max(flops, 1), 1, 1_000_000);
        var actions = variants.Select(v => (Action)(() =>
        {
            Gemm.ForcedPath = v.Path;
            for (int r = 0; r < calls; r++)
            {
                if (v.Packed)
                    pb.Multiply(m, a.Pointer, lda, transA, c.Pointer, n, false);
                else
                    Gemm.Multiply(m, n, k, a.Pointer, lda, transA, b.Pointer, ldb, transB, c.Pointer, n, false);
            }
            Gemm.ForcedPath = GemmPath.Auto;
        })).ToArray();

        // Warm-up: every variant for ~0.5 s in total, well past tiered-JIT promotion.
        var warm = Stopwatch.StartNew();
        while (warm.Elapsed.TotalSeconds < 0.5)
            foreach (var act in actions)
                act();

        var samples = variants.Select(_ => new List<double>()).ToArray();
        var total = Stopwatch.StartNew();
        while (total.Elapsed.TotalSeconds < seconds || samples[0].Count < 5)
        {
            for (int v = 0; v < actions.Length; v++)
            {
                long t0 = Stopwatch.GetTimestamp();
                actions[v]();
                double dt = Stopwatch.GetElapsedTime(t0).TotalSeconds;
                samples[v].Add(flops * calls / dt / 1e9);
            }
        }

        double selected = 0;
        for (int v = 0; v < variants.Count; v++)
        {
            samples[v].Sort();
            double median = samples[v][samples[v].Count / 2];
            Console.WriteLine($"{variants[v].Name,-18} median {median,7:F1} GFLOP/s  max {samples[v][^1],7:F1}  ({samples[v].Count} samples × {calls} calls)");
            if (v == 0)
                selected = median;
        }
        Console.WriteLine($"gflops={selected.ToString("F1", CultureInfo.InvariantCulture)}");
        return 0;
    }

    private static GemmPath ParsePath(string s) => s.ToLowerInvariant() switch
    {
        "auto" => GemmPath.Auto,
        "v512" or "vector512" => GemmPath.Vector512,
        "v256" or "vector256" => GemmPath.Vector256,
        "scalar" => GemmPath.Scalar,
        _ => throw new ArgumentException($"unknown path {s}"),
    };

    private static GemmPath Resolve(GemmPath p) => p == GemmPath.Auto ? Gemm.BestPath : p;

    private static string Describe(GemmPath p, bool packed) => $"{Resolve(p)}{(packed ? " packed" : "")}";

    private static AlignedBuffer Filled(int length, int seed)
    {
        var buffer = new AlignedBuffer(length);
        var rng = new Random(seed);
        for (int i = 0; i < length; i++)
            buffer.Pointer[i] = (float)(rng.NextDouble() * 2 - 1);
        return buffer;
    }
}
