using System.Runtime.Intrinsics;
using RnnCluster.Core.Kernels;

namespace RnnCluster.Core.Tests.Kernels;

public sealed class ActivationTests
{
    private static float[] Inputs()
    {
        var values = new List<float> { 0f, -0f, 1e-30f, -1e-30f, 0.624f, 0.625f, -0.625f, 1f, -1f, 20f, -20f, 87f, -87f, 88f, 89f, -90f, 1000f, -1000f };
        values.AddRange(KernelTestData.Random(4000, 12f, 1));
        values.AddRange(KernelTestData.Random(4000, 1f, 2));
        values.AddRange(KernelTestData.Random(1000, 100f, 3));
        while (values.Count % 16 != 0)
            values.Add(0.5f);
        return values.ToArray();
    }

    [Fact]
    public void Vector_lanes_give_the_bits_of_the_scalar_twins()
    {
        var x = Inputs();
        for (int i = 0; i < x.Length; i += 16)
        {
            var v = Vector512.Create(x.AsSpan(i, 16));
            var exp = VectorActivations.Exp(v);
            var sig = VectorActivations.Sigmoid(v);
            var tanh = VectorActivations.Tanh(v);
            for (int j = 0; j < 16; j++)
            {
                float xi = x[i + j];
                Assert.Equal(BitConverter.SingleToInt32Bits(ScalarActivations.Exp(xi)), BitConverter.SingleToInt32Bits(exp[j]));
                Assert.Equal(BitConverter.SingleToInt32Bits(ScalarActivations.Sigmoid(xi)), BitConverter.SingleToInt32Bits(sig[j]));
                Assert.Equal(BitConverter.SingleToInt32Bits(ScalarActivations.Tanh(xi)), BitConverter.SingleToInt32Bits(tanh[j]));
            }
        }
    }

    [Fact]
    public void Activations_are_accurate_against_double_precision()
    {
        double worstExp = 0, worstSigmoid = 0, worstTanh = 0;
        foreach (float x in Inputs())
        {
            if (x >= -87f && x <= 88f)
            {
                double e = Math.Exp(x);
                worstExp = Math.Max(worstExp, Math.Abs(ScalarActivations.Exp(x) - e) / e);
            }
            double s = 1 / (1 + Math.Exp(-(double)x));
            worstSigmoid = Math.Max(worstSigmoid, Math.Abs(ScalarActivations.Sigmoid(x) - s) / Math.Max(s, 1e-30));
            double t = Math.Tanh(x);
            worstTanh = Math.Max(worstTanh, Math.Abs(ScalarActivations.Tanh(x) - t) / Math.Max(Math.Abs(t), 1e-6));
        }
        Assert.True(worstExp < 4e-7, $"exp relative error {worstExp:E2}");
        Assert.True(worstSigmoid < 6e-7, $"sigmoid relative error {worstSigmoid:E2}");
        Assert.True(worstTanh < 1e-6, $"tanh relative error {worstTanh:E2}");
    }

    [Fact]
    public void Saturation_is_clean()
    {
        Assert.Equal(1f, ScalarActivations.Sigmoid(200f));
        Assert.True(ScalarActivations.Sigmoid(-200f) < 1e-37f);
        Assert.Equal(1f, ScalarActivations.Tanh(50f));
        Assert.Equal(-1f, ScalarActivations.Tanh(-50f));
        Assert.Equal(0f, ScalarActivations.Tanh(0f));
        Assert.True(float.IsFinite(ScalarActivations.Exp(1000f)));
    }
}
