using RnnCluster.Core.Kernels;

namespace RnnCluster.Core.Tests.Kernels;

/// <summary>
/// `lstm --gemm-profile` counts each GEMM once under its own shape, plain or pre-packed, and
/// records nothing while off. The shapes here are odd enough that no other test uses them.
/// </summary>
public sealed unsafe class GemmProfileTests
{
    [Fact]
    public void Each_call_is_counted_under_its_shape_only_while_on()
    {
        float[] a = new float[3 * 7], b = new float[7 * 5], c = new float[3 * 5];
        float[] pa = new float[2 * 11], pb = new float[11 * 13], pc = new float[2 * 13];
        using var packed = new PackedB(11, 13);
        fixed (float* bp = pb)
            packed.Pack(bp, 11, transB: true);
        try
        {
            GemmProfile.Reset();
            GemmProfile.Enabled = true;
            fixed (float* ap = a, bp = b, cp = c, pap = pa, pcp = pc)
            {
                for (int i = 0; i < 3; i++)
                    Gemm.Multiply(3, 5, 7, ap, 3, true, bp, 5, false, cp, 5, false);
                packed.Multiply(2, pap, 11, false, pcp, 13, true);
                GemmProfile.Enabled = false;
                Gemm.Multiply(3, 5, 7, ap, 7, false, bp, 5, false, cp, 5, false); // off: 3x5x7 not transposed
            }

            var shapes = GemmProfile.Snapshot();
            var plain = Assert.Single(shapes, s => s is { M: 3, N: 5, K: 7, Packed: false });
            Assert.True(plain.TransA);
            Assert.False(plain.TransB);
            Assert.Equal(3, plain.Calls);
            Assert.Equal(3 * 2.0 * 3 * 5 * 7, plain.Flops);
            Assert.True(plain.Seconds > 0);
            Assert.Equal("3x5x7 transA", plain.Shape);

            var pre = Assert.Single(shapes, s => s is { M: 2, N: 13, K: 11 });
            Assert.True(pre.Packed);
            Assert.Equal(1, pre.Calls);
            Assert.Equal("packed 2x13x11", pre.Shape);
        }
        finally
        {
            GemmProfile.Enabled = false;
        }
    }
}
