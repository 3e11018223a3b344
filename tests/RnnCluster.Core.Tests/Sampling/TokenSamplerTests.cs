using RnnCluster.Core.Memory;
using RnnCluster.Core.Sampling;

namespace RnnCluster.Core.Tests.Sampling;

public class TokenSamplerTests
{
    private static readonly float[] Logits = [1.0f, 2.0f, 0.5f, 3.0f, -1.0f];

    private static int[] Draw(float[] logits, float temperature, int topK, ulong seed, int count)
    {
        var rng = new SplitMix64(seed);
        var draws = new int[count];
        for (int i = 0; i < count; i++)
            draws[i] = TokenSampler.Sample(logits, temperature, topK, ref rng);
        return draws;
    }

    private static double[] Softmax(float[] logits, double temperature, int keep)
    {
        var kept = logits.Select((l, i) => (l, i)).OrderByDescending(p => p.l).Take(keep).Select(p => p.i).ToHashSet();
        var weights = logits.Select((l, i) => kept.Contains(i) ? Math.Exp(l / temperature) : 0.0).ToArray();
        double total = weights.Sum();
        return weights.Select(w => w / total).ToArray();
    }

    private static double[] Frequencies(int[] draws, int size)
    {
        var counts = new double[size];
        foreach (int d in draws)
            counts[d]++;
        return counts.Select(c => c / draws.Length).ToArray();
    }

    [Fact]
    public void Same_seed_same_tokens()
    {
        Assert.Equal(Draw(Logits, 1f, 0, seed: 5, count: 200), Draw(Logits, 1f, 0, seed: 5, count: 200));
        Assert.NotEqual(Draw(Logits, 1f, 0, seed: 5, count: 200), Draw(Logits, 1f, 0, seed: 6, count: 200));
    }

    [Theory]
    [InlineData(1.0f)]
    [InlineData(0.5f)]
    [InlineData(2.0f)]
    public void Frequencies_match_the_softmax(float temperature)
    {
        var frequencies = Frequencies(Draw(Logits, temperature, 0, seed: 123, count: 40_000), Logits.Length);
        var expected = Softmax(Logits, temperature, Logits.Length);

        for (int i = 0; i < Logits.Length; i++)
            Assert.True(Math.Abs(frequencies[i] - expected[i]) < 0.01, $"token {i}: {frequencies[i]:F4} vs {expected[i]:F4}");
    }

    [Fact]
    public void Top_k_renormalises_over_the_k_largest()
    {
        var frequencies = Frequencies(Draw(Logits, 1f, 2, seed: 321, count: 40_000), Logits.Length);
        var expected = Softmax(Logits, 1.0, keep: 2); // tokens 3 and 1: e/(1+e) = 0.731

        Assert.Equal(0.0, frequencies[0]);
        Assert.Equal(0.0, frequencies[2]);
        Assert.Equal(0.0, frequencies[4]);
        Assert.True(Math.Abs(frequencies[3] - expected[3]) < 0.01, $"{frequencies[3]:F4} vs {expected[3]:F4}");
        Assert.Equal(0.7311, expected[3], 4);
    }

    [Fact]
    public void Top_k_ties_at_the_cut_keep_the_lower_ids()
    {
        float[] logits = [0f, 1f, 1f, 1f, 5f];
        var draws = Draw(logits, 10f, 3, seed: 1, count: 5_000);

        Assert.Equal([1, 2, 4], draws.Distinct().Order());
    }

    [Fact]
    public void Top_k_of_one_and_zero_temperature_are_argmax()
    {
        var rng = new SplitMix64(9);
        for (int i = 0; i < 100; i++)
        {
            Assert.Equal(3, TokenSampler.Sample(Logits, 5f, 1, ref rng));
            Assert.Equal(3, TokenSampler.Sample(Logits, 0f, 0, ref rng));
        }
        Assert.Equal(1, TokenSampler.Sample([0f, 2f, 2f], 0f, 0, ref rng)); // lowest id on ties
    }

    [Fact]
    public void Greedy_does_not_consume_randomness()
    {
        var rng = new SplitMix64(4);
        var reference = new SplitMix64(4);

        TokenSampler.Sample(Logits, 0f, 0, ref rng);

        Assert.Equal(reference.NextUInt64(), rng.NextUInt64());
    }

    [Fact]
    public void Negative_infinity_is_never_drawn()
    {
        float[] logits = [float.NegativeInfinity, 0f, float.NegativeInfinity, 0f];
        var draws = Draw(logits, 1f, 0, seed: 2, count: 2_000);

        Assert.Equal([1, 3], draws.Distinct().Order());
    }

    [Fact]
    public void Low_temperature_is_nearly_greedy()
    {
        Assert.All(Draw(Logits, 0.01f, 0, seed: 8, count: 500), d => Assert.Equal(3, d));
    }

    [Theory]
    [InlineData(-1f)]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    public void Invalid_temperature_is_rejected(float temperature)
    {
        var rng = new SplitMix64(1);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => TokenSampler.Sample(Logits, temperature, 0, ref rng));
        Assert.Contains("Temperature", e.Message);
    }

    [Fact]
    public void Invalid_logits_and_top_k_are_rejected()
    {
        var rng = new SplitMix64(1);
        Assert.Throws<ArgumentException>(() => TokenSampler.Sample([], 1f, 0, ref rng));
        Assert.Contains("Logit 1 is NaN", Assert.Throws<ArgumentException>(() => TokenSampler.Sample([0f, float.NaN], 1f, 0, ref rng)).Message);
        Assert.Throws<ArgumentException>(() => TokenSampler.Sample([float.NegativeInfinity], 1f, 0, ref rng));
        Assert.Throws<ArgumentOutOfRangeException>(() => TokenSampler.Sample(Logits, 1f, -1, ref rng));
    }
}
