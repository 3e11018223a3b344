using System.Runtime.CompilerServices;

namespace RnnCluster.Core.Kernels;

/// <summary>
/// The cache-blocked loops around a microkernel (Goto/BLIS order):
///   for jc (NC columns): for pc (KC depth): pack B block; for ic (MC rows): pack A block;
///     for each B panel (stays in L1): for each A panel: one MR×w register tile.
/// A K block after the first continues the chains stored in C, so the ascending-k FMA chain per
/// element is never split into partial sums. Instantiated per microkernel struct, so the kernel
/// call is direct (no interface dispatch).
/// </summary>
internal static unsafe class GemmDriver
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Multiply<TKernel>(
        int m, int n, int k,
        float* a, long lda, bool transA,
        float* b, long ldb, bool transB,
        float* c, long ldc, bool accumulate)
        where TKernel : struct, IGemmMicroKernel
    {
        GemmScratch scratch = GemmScratch.Current;
        int kcMax = BlockSize(k, GemmLayout.KC);
        int mcMax = BlockSize(m, GemmLayout.MC);
        int ncMax = Math.Min(n, GemmLayout.NC);
        float* pa = scratch.A(GemmLayout.PackedALength(mcMax, kcMax));
        float* pb = scratch.B(GemmLayout.PackedBLength(kcMax, ncMax));

        for (int jc = 0; jc < n; jc += ncMax)
        {
            int nc = Math.Min(ncMax, n - jc);
            for (int pc = 0; pc < k; pc += kcMax)
            {
                int kc = Math.Min(kcMax, k - pc);
                long panelStride = (long)GemmLayout.NR * kc;
                GemmPacking.PackB(b, ldb, transB, pc, kc, jc, nc, pb, panelStride);
                bool load = accumulate || pc > 0;
                for (int ic = 0; ic < m; ic += mcMax)
                {
                    int mc = Math.Min(mcMax, m - ic);
                    GemmPacking.PackA(a, lda, transA, ic, mc, pc, kc, pa);
                    Macro<TKernel>(mc, nc, kc, pa, pb, panelStride, 0, c + ic * ldc + jc, ldc, load, scratch.Tile);
                }
            }
        }
    }

    /// <summary>C = [C +] op(A)·B with B already packed over its full depth k (see <see cref="PackedB"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MultiplyPacked<TKernel>(
        int m, int n, int k,
        float* a, long lda, bool transA,
        float* packedB,
        float* c, long ldc, bool accumulate)
        where TKernel : struct, IGemmMicroKernel
    {
        GemmScratch scratch = GemmScratch.Current;
        int kcMax = BlockSize(k, GemmLayout.KC);
        int mcMax = BlockSize(m, GemmLayout.MC);
        float* pa = scratch.A(GemmLayout.PackedALength(mcMax, kcMax));
        long panelStride = (long)GemmLayout.NR * k;

        for (int pc = 0; pc < k; pc += kcMax)
        {
            int kc = Math.Min(kcMax, k - pc);
            bool load = accumulate || pc > 0;
            for (int ic = 0; ic < m; ic += mcMax)
            {
                int mc = Math.Min(mcMax, m - ic);
                GemmPacking.PackA(a, lda, transA, ic, mc, pc, kc, pa);
                Macro<TKernel>(mc, n, kc, pa, packedB, panelStride, pc, c + ic * ldc, ldc, load, scratch.Tile);
            }
        }
    }

    /// <summary>
    /// All register tiles of one (mc × nc) block. Panel q of B starts at pb + q·panelStride +
    /// kOffset·w. Ragged tiles (fewer than MR rows or w columns left) run on a scratch tile so the
    /// microkernels never need masks: copy C in, run the full tile, copy the valid part back.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Macro<TKernel>(
        int mc, int nc, int kc, float* pa, float* pb, long panelStride, int kOffset,
        float* c, long ldc, bool load, float* tile)
        where TKernel : struct, IGemmMicroKernel
    {
        const int MR = GemmLayout.MR;
        for (int j = 0; j < nc; j += GemmLayout.NR, pb += panelStride)
        {
            int w = GemmLayout.PanelWidth(nc, j);
            int nr = Math.Min(w, nc - j);
            float* bp = pb + (long)kOffset * w;
            for (int i = 0; i < mc; i += MR)
            {
                int mr = Math.Min(MR, mc - i);
                float* ap = pa + (long)i * kc;
                float* cp = c + i * ldc + j;
                if (mr == MR && nr == w)
                {
                    TKernel.Tile(kc, ap, bp, w, cp, ldc, load);
                }
                else
                {
                    if (load)
                        CopyTile(cp, ldc, tile, GemmLayout.NR, mr, nr);
                    TKernel.Tile(kc, ap, bp, w, tile, GemmLayout.NR, load);
                    CopyTile(tile, GemmLayout.NR, cp, ldc, mr, nr);
                }
            }
        }
    }

    private static void CopyTile(float* src, long lds, float* dst, long ldd, int rows, int cols)
    {
        for (int r = 0; r < rows; r++)
            new ReadOnlySpan<float>(src + r * lds, cols).CopyTo(new Span<float>(dst + r * ldd, cols));
    }

    /// <summary>
    /// Splits length into near-equal blocks of about max, rounded up to a multiple of MR (8) so
    /// only the last block has ragged row tiles and 8×8 transposes cover the K blocks
    /// (K = 300 → 152 + 148, not 256 + 44).
    /// </summary>
    private static int BlockSize(int length, int max)
    {
        int blocks = (length + max - 1) / max;
        if (blocks <= 1)
            return length;
        return GemmLayout.RoundUp((length + blocks - 1) / blocks, GemmLayout.MR);
    }
}
