using RnnCluster.Core.Kernels;

namespace RnnCluster.Core.Tests.Kernels;

/// <summary>Every fused cell kernel: 16-lane path (with tail) against the all-scalar path for every row length 0..256.</summary>
public sealed unsafe class CellKernelTests
{
    public static IEnumerable<object[]> Lengths() => KernelTestData.Lengths0To256();

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Lstm_forward_and_backward_match_scalar(int h)
    {
        foreach (bool withPrevious in new[] { true, false })
        {
            var gates = KernelTestData.Random(4 * h, 3f, (ulong)h);
            var cPrev = KernelTestData.Random(h, 2f, (ulong)h + 1);
            var results = new List<float[]>[2];
            for (int pass = 0; pass < 2; pass++)
            {
                bool vectorize = pass == 0;
                var g = (float[])gates.Clone();
                var c = new float[h];
                var tc = new float[h];
                var hh = new float[h];
                var dhAbove = KernelTestData.Random(h, 1f, (ulong)h + 2);
                var dhNext = KernelTestData.Random(h, 1f, (ulong)h + 3);
                var dcNext = KernelTestData.Random(h, 1f, (ulong)h + 4);
                fixed (float* gp = g, cpp = cPrev, cp = c, tcp = tc, hp = hh, da = dhAbove, dn = dhNext, dc = dcNext)
                {
                    float* previous = withPrevious ? cpp : null;
                    LstmKernels.Forward(gp, previous, cp, tcp, hp, h, vectorize);
                    var forward = new List<float[]> { (float[])g.Clone(), (float[])c.Clone(), (float[])tc.Clone(), (float[])hh.Clone() };
                    LstmKernels.Backward(gp, previous, tcp, da, dn, dc, h, vectorize);
                    forward.Add(g);
                    forward.Add(dcNext);
                    results[pass] = forward;
                }
            }
            for (int k = 0; k < results[0].Count; k++)
                KernelTestData.AssertBitwiseEqual(results[1][k], results[0][k], $"LSTM H={h} output {k}");
        }
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Gru_forward_and_backward_match_scalar(int h)
    {
        foreach (bool withPrevious in new[] { true, false })
        {
            var xGates = KernelTestData.Random(3 * h, 3f, (ulong)h);
            var hGates = KernelTestData.Random(3 * h, 3f, (ulong)h + 1);
            var hPrev = KernelTestData.Random(h, 1f, (ulong)h + 2);
            var results = new List<float[]>[2];
            for (int pass = 0; pass < 2; pass++)
            {
                bool vectorize = pass == 0;
                var xg = (float[])xGates.Clone();
                var hn = new float[h];
                var hOut = new float[h];
                var dhAbove = KernelTestData.Random(h, 1f, (ulong)h + 3);
                var dhNext = KernelTestData.Random(h, 1f, (ulong)h + 4);
                var hGrad = new float[3 * h];
                fixed (float* xp = xg, hgp = hGates, hnp = hn, hpp = hPrev, ho = hOut, da = dhAbove, dn = dhNext, hgr = hGrad)
                {
                    float* previous = withPrevious ? hpp : null;
                    GruKernels.Forward(xp, hgp, hnp, previous, ho, h, vectorize);
                    var r = new List<float[]> { (float[])xg.Clone(), (float[])hn.Clone(), (float[])hOut.Clone() };
                    GruKernels.Backward(xp, hnp, previous, da, dn, hgr, h, vectorize);
                    r.Add(xg);
                    r.Add(hGrad);
                    r.Add(dhNext);
                    results[pass] = r;
                }
            }
            for (int k = 0; k < results[0].Count; k++)
                KernelTestData.AssertBitwiseEqual(results[1][k], results[0][k], $"GRU H={h} output {k}");
        }
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Rnn_forward_and_backward_match_scalar(int h)
    {
        var pre = KernelTestData.Random(h, 3f, (ulong)h);
        var results = new List<float[]>[2];
        for (int pass = 0; pass < 2; pass++)
        {
            bool vectorize = pass == 0;
            var g = (float[])pre.Clone();
            var hh = new float[h];
            var dhAbove = KernelTestData.Random(h, 1f, (ulong)h + 1);
            var dhNext = KernelTestData.Random(h, 1f, (ulong)h + 2);
            fixed (float* gp = g, hp = hh, da = dhAbove, dn = dhNext)
            {
                RnnKernels.Forward(gp, hp, h, vectorize);
                var r = new List<float[]> { (float[])g.Clone(), (float[])hh.Clone() };
                RnnKernels.Backward(gp, da, dn, h, vectorize);
                r.Add(g);
                results[pass] = r;
            }
        }
        for (int k = 0; k < results[0].Count; k++)
            KernelTestData.AssertBitwiseEqual(results[1][k], results[0][k], $"RNN H={h} output {k}");
    }

    [Fact]
    public void Lstm_forward_computes_the_textbook_formulas()
    {
        const int h = 21;
        var gates = KernelTestData.Random(4 * h, 3f, 5);
        var cPrev = KernelTestData.Random(h, 2f, 6);
        var g = (float[])gates.Clone();
        var c = new float[h];
        var tc = new float[h];
        var hh = new float[h];
        fixed (float* gp = g, cpp = cPrev, cp = c, tcp = tc, hp = hh)
            LstmKernels.Forward(gp, cpp, cp, tcp, hp, h);
        static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));
        for (int j = 0; j < h; j++)
        {
            double i = Sigmoid(gates[j]), f = Sigmoid(gates[h + j]), gg = Math.Tanh(gates[2 * h + j]), o = Sigmoid(gates[3 * h + j]);
            double cell = f * cPrev[j] + i * gg;
            Assert.Equal(cell, c[j], 1e-5);
            Assert.Equal(o * Math.Tanh(cell), hh[j], 1e-5);
        }
    }
}
