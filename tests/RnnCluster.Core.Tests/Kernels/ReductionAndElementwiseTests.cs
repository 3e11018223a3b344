using RnnCluster.Core.Kernels;

namespace RnnCluster.Core.Tests.Kernels;

public sealed unsafe class ReductionAndElementwiseTests
{
    public static IEnumerable<object[]> Lengths() => KernelTestData.Lengths0To256();

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Sums_follow_the_16_lane_order(int n)
    {
        var x = KernelTestData.Random(n, 10f, (ulong)n + 100);
        Assert.Equal(BitConverter.SingleToInt32Bits(ScalarReductions.Sum(x)), BitConverter.SingleToInt32Bits(Reductions.Sum(x)));
        Assert.Equal(BitConverter.DoubleToInt64Bits(ScalarReductions.SumOfSquares(x)), BitConverter.DoubleToInt64Bits(Reductions.SumOfSquares(x)));
        Assert.Equal(x.Sum(v => (double)v), Reductions.Sum(x), 1e-3);
        Assert.Equal(x.Sum(v => (double)v * v), Reductions.SumOfSquares(x), 1e-9 * (1 + n));
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Softmax_cross_entropy_matches_scalar_and_math(int v)
    {
        if (v == 0)
            return;
        var logits = KernelTestData.Random(v, 5f, (ulong)v);
        int target = v / 3;
        var a = (float[])logits.Clone();
        var b = (float[])logits.Clone();
        double lossA, lossB;
        fixed (float* pa = a, pb = b)
        {
            lossA = SoftmaxCrossEntropy.ForwardBackward(pa, v, target, 0.125f, vectorize: true);
            lossB = SoftmaxCrossEntropy.ForwardBackward(pb, v, target, 0.125f, vectorize: false);
        }
        KernelTestData.AssertBitwiseEqual(b, a, $"softmax V={v}");
        Assert.Equal(lossB, lossA);
        double max = logits.Max(), sum = logits.Sum(l => Math.Exp(l - max));
        Assert.Equal(Math.Log(sum) + max - logits[target], lossA, 1e-5);
        for (int j = 0; j < v; j++)
            Assert.Equal((Math.Exp(logits[j] - max) / sum - (j == target ? 1 : 0)) * 0.125, a[j], 1e-6);
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Elementwise_kernels_match_scalar_formulas(int n)
    {
        var a = KernelTestData.Random(n, 3f, (ulong)n);
        var b = KernelTestData.Random(n, 3f, (ulong)n + 9);
        var sum = new float[n];
        var product = new float[n];
        var inPlace = (float[])a.Clone();
        var scaled = (float[])a.Clone();
        fixed (float* pa = a, pb = b, ps = sum, pp = product, pi = inPlace, pc = scaled)
        {
            Elementwise.Add(pa, pb, ps, n);
            Elementwise.Multiply(pa, pb, pp, n);
            Elementwise.AddInPlace(pi, pb, n);
            Elementwise.Scale(pc, 0.3f, n);
        }
        for (int i = 0; i < n; i++)
        {
            Assert.Equal(a[i] + b[i], sum[i]);
            Assert.Equal(a[i] * b[i], product[i]);
            Assert.Equal(a[i] + b[i], inPlace[i]);
            Assert.Equal(a[i] * 0.3f, scaled[i]);
        }
        Assert.True(Elementwise.AllFinite(a));
        if (n > 0)
        {
            var bad = (float[])a.Clone();
            bad[n - 1] = float.NaN;
            Assert.False(Elementwise.AllFinite(bad));
            bad[n - 1] = float.NegativeInfinity;
            Assert.False(Elementwise.AllFinite(bad));
        }
    }

    [Fact]
    public void Column_sums_add_rows_in_ascending_order()
    {
        const int rows = 37, cols = 45;
        var x = KernelTestData.Random(rows * cols, 2f, 11);
        var sums = new float[cols];
        fixed (float* px = x, ps = sums)
            Elementwise.ColumnSums(px, rows, cols, cols, ps);
        for (int j = 0; j < cols; j++)
        {
            float expected = 0f;
            for (int r = 0; r < rows; r++)
                expected += x[r * cols + j];
            Assert.Equal(BitConverter.SingleToInt32Bits(expected), BitConverter.SingleToInt32Bits(sums[j]));
        }
    }
}
