using RnnCluster.Core.Memory;

namespace RnnCluster.Core.Tests.Kernels;

internal static class KernelTestData
{
    public static float[] Random(int n, float scale, ulong seed)
    {
        var rng = new SplitMix64(seed);
        var values = new float[n];
        for (int i = 0; i < n; i++)
            values[i] = (rng.NextFloat() * 2 - 1) * scale;
        return values;
    }

    /// <summary>Positive values, e.g. second moments.</summary>
    public static float[] RandomPositive(int n, float scale, ulong seed) => Random(n, scale, seed).Select(MathF.Abs).ToArray();

    public static void AssertBitwiseEqual(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
                Assert.Fail($"{what}: element {i} differs: {expected[i]:R} vs {actual[i]:R}");
    }

    public static IEnumerable<object[]> Lengths0To256() => Enumerable.Range(0, 257).Select(n => new object[] { n });
}
