using System.Diagnostics;
using System.Globalization;
using RnnCluster.Core.Kernels;
using RnnCluster.Core.Memory;

namespace RnnCluster.Benchmarks;

/// <summary>
/// GFLOP/s of one GEMM shape, single-threaded.
/// Usage: gemm --m M --n N --k K [--transa] [--transb] [--packed] [--path auto|v512|v256|scalar]
///             [--compare] [--seconds S] [--kc KC[,KC…] --mc MC[,…] --nc NC[,…] --directb ROWS[,…]]
/// --packed measures <see cref="PackedB"/> with B packed once outside the timed loop (weights
/// packed once per optimizer step). --compare additionally runs unpacked/packed on every supported
/// path, interleaved round-robin in the same run so machine noise hits all variants alike; lists
/// of cache-block sizes are likewise measured as interleaved variants (for tuning).
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
        // 0: each kernel's own block (KC/MC for Vector256 and scalar, WideKC/WideMC for Vector512).
        int[] kcs = [0], mcs = [0], ncs = [GemmLayout.NC], dbs = [GemmDriver.DirectBMaxRows];
        for (int i = 0; i < args.Length; i++)
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
                case "--kc": kcs = IntList(Next()); break;
                case "--mc": mcs = IntList(Next()); break;
                case "--nc": ncs = IntList(Next()); break;
                case "--directb": dbs = IntList(Next()); break;
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

        var kinds = new List<(GemmPath Path, bool Packed)> { (path, packed) };
        if (compare)
            foreach (GemmPath p in new[] { GemmPath.Vector512, GemmPath.Vector256 })
                foreach (bool pk in new[] { false, true })
                    if (Gemm.IsSupported(p) && !(p == Resolve(path) && pk == packed))
                        kinds.Add((p, pk));
        var variants = new List<(string Name, GemmPath Path, bool Packed, int Kc, int Mc, int Nc, int Db)>();
        bool sweep = kcs.Length * mcs.Length * ncs.Length * dbs.Length > 1;
        foreach (var (p, pk) in kinds)
            foreach (int kc in kcs)
                foreach (int mc in mcs)
                    foreach (int nc in ncs)
                        foreach (int db in dbs)
                            variants.Add((Describe(p, pk) + (sweep ? $" kc={Blocks([kc])} mc={Blocks([mc])} nc={nc} directB≤{db}" : ""), p, pk, kc, mc, nc, db));

        double flops = 2.0 * m * n * k;
        var own = BlockSettings.Current;
        Console.WriteLine($"gemm M={m} N={n} K={k} transA={transA} transB={transB} KC={Blocks(kcs)} MC={Blocks(mcs)} NC={string.Join(',', ncs)} best path={Gemm.BestPath}");
        Console.WriteLine($"path={KernelPaths.ByKernel()[0].Path} cpu=\"{KernelPaths.CpuModel()}\"");

        // Calls per sample: about 20 ms of work at 100 GFLOP/s.
        int calls = (int)Math.Clamp(2e9 / Math.Max(flops, 1), 1, 1_000_000);
        var actions = variants.Select(v => (Action)(() =>
        {
            Gemm.ForcedPath = v.Path;
            GemmDriver.DirectBMaxRows = v.Db;
            (own with
            {
                Kc = v.Kc > 0 ? v.Kc : own.Kc, WideKc = v.Kc > 0 ? v.Kc : own.WideKc,
                Mc = v.Mc > 0 ? v.Mc : own.Mc, WideMc = v.Mc > 0 ? v.Mc : own.WideMc, Nc = v.Nc,
            }).Apply();
            for (int r = 0; r < calls; r++)
            {
                if (v.Packed)
                    pb.Multiply(m, a.Pointer, lda, transA, c.Pointer, n, false);
                else
                    Gemm.Multiply(m, n, k, a.Pointer, lda, transA, b.Pointer, ldb, transB, c.Pointer, n, false);
            }
            Gemm.ForcedPath = GemmPath.Auto;
        })).ToArray();

        // Cold start: the very first product of the process (JIT, page faults, scratch allocation).
        // Then calls 2..11: with AggressiveOptimization on every hot loop they already run the final
        // code (a tier-0 kernel would be 5-50× slower here).
        void Once()
        {
            Gemm.ForcedPath = variants[0].Path;
            if (variants[0].Packed)
                pb.Multiply(m, a.Pointer, lda, transA, c.Pointer, n, false);
            else
                Gemm.Multiply(m, n, k, a.Pointer, lda, transA, b.Pointer, ldb, transB, c.Pointer, n, false);
            Gemm.ForcedPath = GemmPath.Auto;
        }
        long cold = Stopwatch.GetTimestamp();
        Once();
        double coldSeconds = Stopwatch.GetElapsedTime(cold).TotalSeconds;
        long early = Stopwatch.GetTimestamp();
        for (int r = 0; r < 10; r++)
            Once();
        double earlySeconds = Stopwatch.GetElapsedTime(early).TotalSeconds / 10;
        Console.WriteLine($"first call {coldSeconds * 1e3:F2} ms ({flops / coldSeconds / 1e9:F1} GFLOP/s); calls 2-11 {flops / earlySeconds / 1e9:F1} GFLOP/s");

        // Warm-up: every variant for ~0.5 s in total, well past tiered-JIT promotion.
        var warm = Stopwatch.StartNew();
        while (warm.Elapsed.TotalSeconds < 0.5)
            foreach (var act in actions)
                act();

        var samples = variants.Select(_ => new List<double>()).ToArray();
        var cpuSamples = variants.Select(_ => new List<double>()).ToArray();
        var total = Stopwatch.StartNew();
        while (total.Elapsed.TotalSeconds < seconds || samples[0].Count < 5)
        {
            for (int v = 0; v < actions.Length; v++)
            {
                double c0 = CpuTime.ThreadSeconds();
                long t0 = Stopwatch.GetTimestamp();
                actions[v]();
                double dt = Stopwatch.GetElapsedTime(t0).TotalSeconds;
                double dc = CpuTime.ThreadSeconds() - c0;
                samples[v].Add(flops * calls / dt / 1e9);
                if (dc > 0)
                    cpuSamples[v].Add(flops * calls / dc / 1e9);
            }
        }

        // Wall-clock median is what a caller sees; the thread-CPU-time median discounts time this
        // thread was descheduled by other processes on the shared 2-core machine.
        double selected = 0;
        for (int v = 0; v < variants.Count; v++)
        {
            samples[v].Sort();
            cpuSamples[v].Sort();
            double median = samples[v][samples[v].Count / 2];
            double cpuMedian = cpuSamples[v].Count > 0 ? cpuSamples[v][cpuSamples[v].Count / 2] : double.NaN;
            Console.WriteLine($"{variants[v].Name,-36} median {median,6:F1} GFLOP/s  max {samples[v][^1],6:F1}  cpu-time median {cpuMedian,6:F1}  ({samples[v].Count} samples × {calls} calls)");
            if (v == 0)
                selected = median;
        }
        Console.WriteLine($"gflops={selected.ToString("F1", CultureInfo.InvariantCulture)}");
        return 0;
    }

    private static int[] IntList(string s) => s.Split(',').Select(x => int.Parse(x, CultureInfo.InvariantCulture)).ToArray();

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

    private static string Blocks(int[] sizes) => string.Join(',', sizes.Select(x => x == 0 ? "own" : x.ToString(CultureInfo.InvariantCulture)));
}
