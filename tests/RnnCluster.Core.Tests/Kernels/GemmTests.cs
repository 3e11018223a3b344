using RnnCluster.Core.Kernels;

namespace RnnCluster.Core.Tests.Kernels;

/// <summary>
/// The fast GEMM must give exactly the bytes of <see cref="ReferenceGemm"/> (one ascending-k FMA
/// chain per element) for every shape, transpose, accumulate flag and microkernel path, so that a
/// cluster mixing AVX-512, AVX2 and scalar machines stays bitwise identical.
/// </summary>
public sealed unsafe class GemmTests
{
    // GemmPath is internal, so theories take its name.
    public static TheoryData<string> Paths => new() { "Vector512", "Vector256", "Scalar" };

    public static TheoryData<char, string> DimensionsAndPaths
    {
        get
        {
            var data = new TheoryData<char, string>();
            foreach (char dim in "MNK")
                foreach (string path in Paths)
                    data.Add(dim, path);
            return data;
        }
    }

    [Theory]
    [MemberData(nameof(DimensionsAndPaths))]
    public void Every_length_0_to_256_matches_reference(char dimension, string pathName)
    {
        GemmPath path = Enum.Parse<GemmPath>(pathName);
        var rng = new Random(1000 + dimension);
        for (int len = 0; len <= 256; len++)
        {
            // The other two dimensions small and odd; all four transposes and both accumulate flags.
            // Odd lengths pair with N = 33 / 35 so full 8×32 tiles, the 1-column remainder and the
            // narrow 16-wide panel all see every length; even ones with a single ragged tile.
            for (int variant = 0; variant < 8; variant++)
            {
                bool transA = (variant & 1) != 0, transB = (variant & 2) != 0, accumulate = (variant & 4) != 0;
                bool odd = len % 2 == 1;
                var shape = dimension switch
                {
                    'M' => (m: len, n: odd ? 33 : 7, k: 5),
                    'N' => (m: 13, n: len, k: 3),
                    _ => (m: 9, n: odd ? 35 : 17, k: len),
                };
                AssertMatchesReference(path, shape.m, shape.n, shape.k, transA, transB, accumulate, rng, pad: variant % 3);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Random_odd_shapes_match_reference(string pathName)
    {
        GemmPath path = Enum.Parse<GemmPath>(pathName);
        var rng = new Random(7);
        for (int t = 0; t < 300; t++)
        {
            int m = rng.Next(1, 71), n = rng.Next(1, 71), k = rng.Next(1, 71);
            AssertMatchesReference(path, m, n, k, rng.Next(2) == 1, rng.Next(2) == 1, rng.Next(2) == 1, rng, pad: rng.Next(3));
        }
    }

    /// <summary>
    /// Shapes that cross every cache block of both kernels (M > MC and WideMC, N > NC, K > KC and WideKC) and ragged edges, with B read in
    /// place (M ≤ 64, row-major B) and transposed A read in place (N ≤ 96).
    /// </summary>
    [Theory]
    [InlineData(300, 70, 37, false, false)]
    [InlineData(9, 1100, 13, false, true)]
    [InlineData(17, 45, 600, true, false)]
    [InlineData(33, 65, 530, true, true)]
    [InlineData(20, 1100, 300, false, false)]
    [InlineData(300, 90, 530, true, false)]
    [InlineData(9, 2100, 140, false, true)]
    [InlineData(70, 2060, 600, true, false)]
    public void Shapes_crossing_cache_blocks_match_reference(int m, int n, int k, bool transA, bool transB)
    {
        var rng = new Random(m * 31 + n);
        foreach (GemmPath path in SupportedPaths())
            foreach (bool accumulate in new[] { false, true })
                AssertMatchesReference(path, m, n, k, transA, transB, accumulate, rng, pad: 1);
    }

    /// <summary>LSTM shapes (batch 32): recurrent step and its transposed backward, projection, output layer, weight gradient.</summary>
    [Theory]
    [InlineData(32, 1024, 256, false, false)]
    [InlineData(32, 256, 1024, false, true)]
    [InlineData(256, 512, 64, false, false)]
    [InlineData(256, 65, 128, false, false)]
    [InlineData(256, 128, 65, false, true)]
    [InlineData(128, 65, 256, true, false)]
    [InlineData(64, 512, 256, true, false)]
    public void Lstm_shapes_match_reference_on_every_path(int m, int n, int k, bool transA, bool transB)
    {
        var rng = new Random(m + n + k);
        float[] a = RandomArray(m * k, rng), b = RandomArray(k * n, rng), c0 = RandomArray(m * n, rng);
        int lda = transA ? m : k, ldb = transB ? k : n;
        float[] expected = Reference(m, n, k, a, lda, transA, b, ldb, transB, c0, n, accumulate: true);
        foreach (GemmPath path in SupportedPaths())
        {
            float[] actual = Fast(path, m, n, k, a, lda, transA, b, ldb, transB, c0, n, accumulate: true);
            AssertBitwiseEqual(expected, actual, $"{path} ({m},{n},{k}) tA={transA} tB={transB}");
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void PackedB_is_reusable_and_matches_reference(string pathName)
    {
        GemmPath path = Enum.Parse<GemmPath>(pathName);
        if (!Gemm.IsSupported(path))
            return; // xunit 2 has no dynamic skip; Forcing_an_unsupported_path_throws covers this case.
        var rng = new Random(11);
        foreach (var (k, n, transB) in new[] { (64, 256, false), (256, 64, true), (37, 65, true), (70, 17, false), (0, 5, false), (5, 1, true) })
        {
            float[] b = RandomArray(k * n, rng);
            int ldb = Math.Max(1, transB ? k : n);
            using var packed = new PackedB(k, n);
            for (int repack = 0; repack < 2; repack++)
            {
                if (repack == 1)
                    b = RandomArray(k * n, rng);
                fixed (float* pb = b)
                    packed.Pack(pb, ldb, transB);
                foreach (int m in new[] { 1, 8, 32, 45 })
                {
                    foreach (bool transA in new[] { false, true })
                    {
                        bool accumulate = m % 2 == 1;
                        float[] a = RandomArray(m * k, rng);
                        float[] c0 = RandomArray(m * n, rng);
                        int lda = Math.Max(1, transA ? m : k);
                        float[] expected = Reference(m, n, k, a, lda, transA, b, ldb, transB, c0, n, accumulate);
                        float[] actual = (float[])c0.Clone();
                        Gemm.ForcedPath = path;
                        try
                        {
                            fixed (float* pa = a, pc = actual)
                                packed.Multiply(m, pa, lda, transA, pc, n, accumulate);
                        }
                        finally
                        {
                            Gemm.ForcedPath = GemmPath.Auto;
                        }
                        AssertBitwiseEqual(expected, actual, $"packed {path} m={m} k={k} n={n} tA={transA} tB={transB}");
                    }
                }
            }
        }
    }

    [Fact]
    public void Signed_zero_follows_the_chain_starting_at_plus_zero()
    {
        // fma(-1, +0, +0) = +0: a kernel that starts from the first product would store -0.
        float[] a = [-1f, 2f];
        float[] b = [0f, -0f];
        foreach (GemmPath path in SupportedPaths())
        {
            float[] c = Fast(path, 1, 2, 1, a, 1, false, b, 2, false, [7f, 7f], 2, accumulate: false);
            float[] expected = Reference(1, 2, 1, a, 1, false, b, 2, false, [7f, 7f], 2, accumulate: false);
            AssertBitwiseEqual(expected, c, $"{path}");
            Assert.Equal(0, BitConverter.SingleToInt32Bits(c[0]));
        }
    }

    [Fact]
    public void Concurrent_callers_get_their_own_scratch()
    {
        Exception? failure = null;
        var threads = Enumerable.Range(0, 4).Select(t => new Thread(() =>
        {
            try
            {
                var rng = new Random(t);
                for (int i = 0; i < 20; i++)
                    AssertMatchesReference(GemmPath.Auto, 40 + t, 70 - t, 300 + 10 * t, t % 2 == 0, i % 2 == 0, i % 3 == 0, rng, pad: 1);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref failure, e, null);
            }
        })).ToArray();
        foreach (var thread in threads)
            thread.Start();
        foreach (var thread in threads)
            thread.Join();
        Assert.Null(failure);
    }

    [Fact]
    public void Invalid_arguments_throw_with_clear_messages()
    {
        float[] buf = new float[64];
        fixed (float* p = buf)
        {
            float* q = p;
            var e = Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.Multiply(-1, 2, 2, q, 2, false, q, 2, false, q, 2, false));
            Assert.Contains("Negative GEMM shape", e.Message);
            e = Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.Multiply(2, 3, 4, q, 3, false, q, 3, false, q, 3, false));
            Assert.Equal("lda", e.ParamName);
            e = Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.Multiply(2, 3, 4, q, 1, true, q, 3, false, q, 3, false));
            Assert.Equal("lda", e.ParamName);
            e = Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.Multiply(2, 3, 4, q, 4, false, q, 2, false, q, 3, false));
            Assert.Equal("ldb", e.ParamName);
            e = Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.Multiply(2, 3, 4, q, 4, false, q, 3, true, q, 3, false));
            Assert.Equal("ldb", e.ParamName);
            e = Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.Multiply(2, 3, 4, q, 4, false, q, 3, false, q, 2, false));
            Assert.Equal("ldc", e.ParamName);
            Assert.Contains("ldc 2 is smaller than 3", e.Message);

            Assert.Throws<ArgumentOutOfRangeException>(() => new PackedB(-1, 3));
            Assert.Throws<ArgumentOutOfRangeException>(() => new PackedB(3, -1));
            using var packed = new PackedB(4, 3);
            Assert.Throws<InvalidOperationException>(() => packed.Multiply(2, q, 4, false, q, 3, false));
            Assert.Equal("ldb", Assert.Throws<ArgumentOutOfRangeException>(() => packed.Pack(q, 2, false)).ParamName);
            Assert.Equal("ldb", Assert.Throws<ArgumentOutOfRangeException>(() => packed.Pack(q, 3, true)).ParamName);
            packed.Pack(q, 3, false);
            Assert.Equal("lda", Assert.Throws<ArgumentOutOfRangeException>(() => packed.Multiply(2, q, 3, false, q + 32, 3, false)).ParamName);
            Assert.Equal("ldc", Assert.Throws<ArgumentOutOfRangeException>(() => packed.Multiply(2, q, 4, false, q + 32, 2, false)).ParamName);
            packed.Dispose();
            Assert.Throws<ObjectDisposedException>(() => packed.Multiply(2, q, 4, false, q + 32, 3, false));
        }
    }

    [Fact]
    public void Forcing_an_unsupported_path_throws()
    {
        foreach (GemmPath path in new[] { GemmPath.Vector512, GemmPath.Vector256 })
        {
            if (Gemm.IsSupported(path))
                continue;
            Gemm.ForcedPath = path;
            try
            {
                float[] buf = new float[4];
                fixed (float* p = buf)
                {
                    float* q = p;
                    Assert.Throws<PlatformNotSupportedException>(() => Gemm.Multiply(1, 1, 1, q, 1, false, q, 1, false, q, 1, false));
                }
            }
            finally
            {
                Gemm.ForcedPath = GemmPath.Auto;
            }
        }
    }

    // ---- helpers ----

    private static IEnumerable<GemmPath> SupportedPaths() =>
        new[] { GemmPath.Vector512, GemmPath.Vector256, GemmPath.Scalar }.Where(Gemm.IsSupported);

    /// <summary>Random operands with row padding; compares the full C buffer (padding must stay untouched). Unsupported paths are skipped.</summary>
    private static void AssertMatchesReference(GemmPath path, int m, int n, int k, bool transA, bool transB, bool accumulate, Random rng, int pad)
    {
        if (!Gemm.IsSupported(path))
            return;
        int lda = Math.Max(1, transA ? m : k) + pad, ldb = Math.Max(1, transB ? k : n) + pad, ldc = Math.Max(1, n) + pad;
        float[] a = RandomArray(Math.Max(1, (transA ? k : m) * lda), rng);
        float[] b = RandomArray(Math.Max(1, (transB ? n : k) * ldb), rng);
        float[] c0 = RandomArray(Math.Max(1, m * ldc), rng);
        float[] expected = Reference(m, n, k, a, lda, transA, b, ldb, transB, c0, ldc, accumulate);
        float[] actual = Fast(path, m, n, k, a, lda, transA, b, ldb, transB, c0, ldc, accumulate);
        AssertBitwiseEqual(expected, actual, $"{path} ({m},{n},{k}) tA={transA} tB={transB} acc={accumulate} pad={pad}");
    }

    private static float[] Reference(int m, int n, int k, float[] a, int lda, bool transA, float[] b, int ldb, bool transB, float[] c0, int ldc, bool accumulate)
    {
        float[] c = (float[])c0.Clone();
        fixed (float* pa = a, pb = b, pc = c)
            ReferenceGemm.Multiply(m, n, k, pa, lda, transA, pb, ldb, transB, pc, ldc, accumulate);
        return c;
    }

    private static float[] Fast(GemmPath path, int m, int n, int k, float[] a, int lda, bool transA, float[] b, int ldb, bool transB, float[] c0, int ldc, bool accumulate)
    {
        float[] c = (float[])c0.Clone();
        Gemm.ForcedPath = path;
        try
        {
            fixed (float* pa = a, pb = b, pc = c)
                Gemm.Multiply(m, n, k, pa, lda, transA, pb, ldb, transB, pc, ldc, accumulate);
        }
        finally
        {
            Gemm.ForcedPath = GemmPath.Auto;
        }
        return c;
    }

    /// <summary>Values in (-1, 1) with some exact ±0 (signed-zero handling) and a wide exponent range (rounding matters).</summary>
    private static float[] RandomArray(int length, Random rng)
    {
        var x = new float[length];
        for (int i = 0; i < length; i++)
        {
            int kind = rng.Next(16);
            x[i] = kind switch
            {
                0 => 0f,
                1 => -0f,
                _ => (float)((rng.NextDouble() * 2 - 1) * Math.Pow(2, rng.Next(-6, 7))),
            };
        }
        return x;
    }

    private static void AssertBitwiseEqual(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            int e = BitConverter.SingleToInt32Bits(expected[i]), a = BitConverter.SingleToInt32Bits(actual[i]);
            if (e != a)
                Assert.Fail($"{what}: element {i} is {actual[i]:R} (0x{a:X8}), expected {expected[i]:R} (0x{e:X8}).");
        }
    }
}
