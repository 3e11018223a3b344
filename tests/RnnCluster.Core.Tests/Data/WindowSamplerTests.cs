using RnnCluster.Core.Data;
using RnnCluster.Core.Memory;

namespace RnnCluster.Core.Tests.Data;

public class WindowSamplerTests
{
    // (N, T, B, M): epoch boundaries inside steps, W = 1, b = 1, B > W.
    public static TheoryData<int, int, int, int> Shapes => new()
    {
        { 101, 10, 4, 2 },   // W = 10: step 2 straddles epochs 0 and 1
        { 1000, 7, 6, 3 },   // W = 142
        { 50, 49, 3, 1 },    // W = 1: every sequence is a new epoch
        { 37, 3, 5, 5 },     // W = 12, micro-batch size 1
        { 64, 4, 32, 4 },    // W = 15 < B: a step spans three epochs
    };

    /// <summary>The contract, restated from its specification.</summary>
    private static int ContractOffset(int n, int t, ulong seed, long j)
    {
        int w = (n - 1) / t;
        long e = j / w;
        var perm = Enumerable.Range(0, w).ToArray();
        var rng = new SplitMix64(DeterministicRandom.Hash(seed, (ulong)e));
        for (int i = w - 1; i > 0; i--)
        {
            int k = rng.NextInt(i + 1);
            (perm[i], perm[k]) = (perm[k], perm[i]);
        }
        return perm[(int)(j % w)] * t;
    }

    [Theory]
    [InlineData(101, 10, 10)]
    [InlineData(100, 10, 9)]
    [InlineData(11, 10, 1)]
    [InlineData(1_000_001, 100, 10_000)]
    public void Window_count_is_n_minus_one_over_t(int n, int t, int w)
    {
        Assert.Equal(w, new WindowSampler(n, t, seed: 1).WindowCount);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Offsets_follow_the_specified_contract(int n, int t, int batch, int microBatches)
    {
        const ulong seed = 0xC0FFEE;
        var sampler = new WindowSampler(n, t, seed);
        int b = batch / microBatches;
        var offsets = new int[b];
        for (long step = 0; step < 12; step++)
        {
            for (int m = 0; m < microBatches; m++)
            {
                sampler.MicroBatchOffsets(step, m, batch, microBatches, offsets);
                for (int i = 0; i < b; i++)
                    Assert.Equal(ContractOffset(n, t, seed, step * batch + m * b + i), offsets[i]);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Every_window_is_used_exactly_once_per_epoch(int n, int t, int batch, int microBatches)
    {
        var sampler = new WindowSampler(n, t, seed: 5);
        int w = sampler.WindowCount, b = batch / microBatches;
        const int epochs = 3;
        long steps = ((long)epochs * w + batch - 1) / batch + 1;
        var byIndex = new Dictionary<long, int>();
        var offsets = new int[b];
        for (long step = 0; step < steps; step++)
        {
            for (int m = 0; m < microBatches; m++)
            {
                sampler.MicroBatchOffsets(step, m, batch, microBatches, offsets);
                for (int i = 0; i < b; i++)
                    byIndex.Add(step * batch + m * b + i, offsets[i]);
            }
        }

        var allWindows = Enumerable.Range(0, w).Select(k => k * t).ToArray();
        for (int e = 0; e < epochs; e++)
        {
            var epochOffsets = Enumerable.Range(0, w).Select(p => byIndex[(long)e * w + p]).Order().ToArray();
            Assert.Equal(allWindows, epochOffsets);
            Assert.All(Enumerable.Range(0, w), p => Assert.Equal(e, sampler.EpochOf((long)e * w + p)));
        }
        Assert.All(byIndex.Values, o => Assert.True(o + t < n)); // T + 1 tokens fit
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Micro_batches_are_slices_of_the_step(int n, int t, int batch, int microBatches)
    {
        var sampler = new WindowSampler(n, t, seed: 9);
        var stepSampler = new WindowSampler(n, t, seed: 9);
        int b = batch / microBatches;
        var all = new int[batch];
        var part = new int[b];
        // Backwards, so the per-instance caches see epochs out of order.
        for (long step = 20; step >= 0; step--)
        {
            stepSampler.StepOffsets(step, batch, all);
            for (int m = microBatches - 1; m >= 0; m--)
            {
                sampler.MicroBatchOffsets(step, m, batch, microBatches, part);
                Assert.Equal(all.AsSpan(m * b, b).ToArray(), part);
            }
        }
    }

    [Fact]
    public void Same_seed_same_windows_other_seed_other_windows()
    {
        var a = new WindowSampler(10_001, 100, seed: 1);
        var again = new WindowSampler(10_001, 100, seed: 1);
        var other = new WindowSampler(10_001, 100, seed: 2);
        var x = new int[64];
        var y = new int[64];
        var z = new int[64];
        for (long step = 0; step < 5; step++)
        {
            a.StepOffsets(step, 64, x);
            again.StepOffsets(step, 64, y);
            other.StepOffsets(step, 64, z);
            Assert.Equal(x, y);
            Assert.NotEqual(x, z);
        }
    }

    [Fact]
    public void Each_epoch_has_its_own_order()
    {
        var sampler = new WindowSampler(1001, 10, seed: 3);
        var first = Enumerable.Range(0, 100).Select(p => sampler.Offset(p)).ToArray();
        var second = Enumerable.Range(100, 100).Select(p => sampler.Offset(p)).ToArray();

        Assert.NotEqual(first, second);
        Assert.Equal(first.Order(), second.Order());
        Assert.NotEqual(Enumerable.Range(0, 100).Select(k => k * 10), first); // actually shuffled
    }

    [Fact]
    public void Random_access_agrees_with_a_fresh_instance()
    {
        var reused = new WindowSampler(501, 5, seed: 77);
        long[] indices = [0, 350, 99, 100, 1_000_000, 5, 199, 200, 1_000_001, 3];
        foreach (long j in indices)
            Assert.Equal(new WindowSampler(501, 5, seed: 77).Offset(j), reused.Offset(j));
    }

    [Fact]
    public void Too_short_corpus_is_rejected_with_counts()
    {
        var e = Assert.Throws<ArgumentException>(() => new WindowSampler(64, 64, seed: 0));
        Assert.Contains("64 tokens", e.Message);
        Assert.Contains("at least 65", e.Message);
        Assert.Equal(1, new WindowSampler(65, 64, seed: 0).WindowCount);
    }

    [Fact]
    public void Arguments_are_checked()
    {
        var sampler = new WindowSampler(101, 10, seed: 0);
        Assert.Throws<ArgumentException>(() => sampler.MicroBatchOffsets(0, 0, batch: 6, microBatches: 4, new int[1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => sampler.MicroBatchOffsets(0, 2, batch: 4, microBatches: 2, new int[2]));
        Assert.Throws<ArgumentException>(() => sampler.MicroBatchOffsets(0, 0, batch: 4, microBatches: 2, new int[3]));
        Assert.Throws<ArgumentOutOfRangeException>(() => sampler.Offset(-1));
    }

    [Fact]
    public void Epoch_progress_counts_consumed_sequences()
    {
        var sampler = new WindowSampler(101, 10, seed: 0); // W = 10

        Assert.Equal(0.0, sampler.EpochProgress(0, 4));
        Assert.Equal(1.2, sampler.EpochProgress(3, 4), 12);
        Assert.Equal(0, sampler.EpochOf(9));
        Assert.Equal(1, sampler.EpochOf(10));
        Assert.Equal(12, sampler.EpochOf(125));
    }

    [Fact]
    public void Fill_batch_is_time_major()
    {
        int[] corpus = Enumerable.Range(0, 50).Select(v => 1000 + v).ToArray();
        int[] offsets = [12, 0, 36];
        const int t = 4;
        var inputs = new int[t * 3];
        var targets = new int[t * 3];

        WindowSampler.FillBatch(corpus, offsets, t, inputs, targets);

        Assert.Equal([1012, 1000, 1036, 1013, 1001, 1037, 1014, 1002, 1038, 1015, 1003, 1039], inputs);
        Assert.Equal([1013, 1001, 1037, 1014, 1002, 1038, 1015, 1003, 1039, 1016, 1004, 1040], targets);
    }

    [Fact]
    public void Fill_batch_rejects_windows_past_the_end()
    {
        int[] corpus = new int[20];
        Assert.Throws<ArgumentOutOfRangeException>(() => WindowSampler.FillBatch(corpus, [16], 4, new int[4], new int[4]));
        WindowSampler.FillBatch(corpus, [15], 4, new int[4], new int[4]);
    }
}
