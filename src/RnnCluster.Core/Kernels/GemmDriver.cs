using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace RnnCluster.Core.Kernels;

/// <summary>
/// The cache-blocked loops around a microkernel (Goto/BLIS order):
///   for jc (NC columns): for pc (KC depth): pack B block; for ic (MC rows): pack A block;
///     for each B panel (stays in L1): for each A panel: one MR×w register tile.
/// A K block after the first continues the chains stored in C, so the ascending-k FMA chain per
/// element is never split into partial sums. Instantiated per microkernel struct, so the kernel
/// call is direct (no interface dispatch).
///
/// Two packing shortcuts, both pure layout choices (the kernel reads the same values in the same
/// order): op(A) stored transposed (K,M) already is a run of [k][MR] panels with row step lda, so
/// for narrow products (N ≤ DirectAMaxColumns) its full panels are read in place; and for a few rows
/// of row-major B that fits in L2 (M ≤ DirectBMaxRows, e.g. a recurrent step without PackedB) full
/// 32-column panels of B are read in place with row step ldb. Ragged edge panels are always packed
/// (zero-padded), so no kernel reads past the caller's matrices.
/// </summary>
internal static unsafe class GemmDriver
{
    /// <summary>
    /// Up to this many rows of C, row-major B is read in place instead of packed per call: each B
    /// value is used only M times, too few to repay a copy. Measured (M, N, K): (32, 1024, 256)
    /// 124 vs 93 GFLOP/s, (64, 1024, 256) 132 vs 117 in place; but (64, 2048, 512) 68 vs 78,
    /// because a B beyond L2 read in place with a 4–8 KB row step defeats L1 reuse and the
    /// prefetchers; hence also the <see cref="DirectBMaxElements"/> bound.
    /// </summary>
    public static int DirectBMaxRows = 64;

    /// <summary>In-place B only while B (K·N floats, here 1 MB) sits comfortably in the 2 MB L2.</summary>
    public const long DirectBMaxElements = 256 * 1024;

    /// <summary>
    /// Up to this many columns of C, transposed A is read in place instead of packed: with few B
    /// panels each A value is used too few times to repay a copy (N = 65 weight gradient), while
    /// with many panels the packed, contiguous A panels win (strided in-place panels cost up to 20%).
    /// </summary>
    public const int DirectAMaxColumns = 3 * GemmLayout.NR;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Multiply<TKernel>(
        int m, int n, int k,
        float* a, long lda, bool transA,
        float* b, long ldb, bool transB,
        float* c, long ldc, bool accumulate)
        where TKernel : struct, IGemmMicroKernel
    {
        const int NR = GemmLayout.NR;
        GemmScratch scratch = GemmScratch.Current;
        int kcMax = BlockSize(k, TKernel.KC);
        int mcMax = BlockSize(m, TKernel.MC);
        int ncMax = Math.Min(n, GemmLayout.NC);
        float* pa = scratch.A(GemmLayout.PackedALength(mcMax, kcMax));
        float* pb = scratch.B(GemmLayout.PackedBLength(kcMax, ncMax));
        bool directA = transA && n <= DirectAMaxColumns;
        bool directB = !transB && m <= DirectBMaxRows && (long)k * n <= DirectBMaxElements;

        for (int jc = 0; jc < n; jc += ncMax)
        {
            int nc = Math.Min(ncMax, n - jc);
            for (int pc = 0; pc < k; pc += kcMax)
            {
                int kc = Math.Min(kcMax, k - pc);
                Panels bPanels;
                if (directB)
                {
                    // Full panels in place; the ragged last panel (if any) packed at pb.
                    int full = nc / NR * NR;
                    if (full < nc)
                        GemmPacking.PackB(b, ldb, false, pc, kc, jc + full, nc - full, pb, 0);
                    bPanels = new Panels(b + pc * ldb + jc, NR, ldb, full, pb);
                }
                else
                {
                    GemmPacking.PackB(b, ldb, transB, pc, kc, jc, nc, pb, (long)NR * kc);
                    bPanels = new Panels(pb, (long)NR * kc, 0, nc, null);
                }

                bool load = accumulate || pc > 0;
                for (int ic = 0; ic < m; ic += mcMax)
                {
                    int mc = Math.Min(mcMax, m - ic);
                    Panels aPanels = PrepareA(a, lda, transA, directA, ic, mc, pc, kc, pa);
                    Macro<TKernel>(mc, nc, kc, aPanels, bPanels, 0, c + ic * ldc + jc, ldc, load, scratch.Tile);
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
        int kcMax = BlockSize(k, TKernel.KC);
        int mcMax = BlockSize(m, TKernel.MC);
        float* pa = scratch.A(GemmLayout.PackedALength(mcMax, kcMax));
        bool directA = transA && n <= DirectAMaxColumns;
        var bPanels = new Panels(packedB, (long)GemmLayout.NR * k, 0, n, null);

        for (int pc = 0; pc < k; pc += kcMax)
        {
            int kc = Math.Min(kcMax, k - pc);
            bool load = accumulate || pc > 0;
            for (int ic = 0; ic < m; ic += mcMax)
            {
                int mc = Math.Min(mcMax, m - ic);
                Panels aPanels = PrepareA(a, lda, transA, directA, ic, mc, pc, kc, pa);
                Macro<TKernel>(mc, n, kc, aPanels, bPanels, pc, c + ic * ldc, ldc, load, scratch.Tile);
            }
        }
    }

    /// <summary>
    /// The A panels of block (ic .. ic+mc, pc .. pc+kc): in place (full panels of transposed A, the
    /// ragged rest packed at pa) or all packed at pa.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Panels PrepareA(float* a, long lda, bool transA, bool direct, int ic, int mc, int pc, int kc, float* pa)
    {
        const int MR = GemmLayout.MR;
        if (direct)
        {
            int full = mc / MR * MR;
            if (full < mc)
                GemmPacking.PackA(a, lda, true, ic + full, mc - full, pc, kc, pa);
            return new Panels(a + pc * lda + ic, MR, lda, full, pa);
        }
        GemmPacking.PackA(a, lda, transA, ic, mc, pc, kc, pa);
        return new Panels(pa, (long)MR * kc, 0, mc, null);
    }

    /// <summary>
    /// Where the micro-panels of an operand block are. The panels covering the first Regular
    /// rows (A) or columns (B) start at Start + q·PanelStride and advance by Step per k; Step = 0
    /// means packed, i.e. the step is the panel width and the block begins kOffset rows into each
    /// panel (PackedB holds all of K). The rest, one ragged panel, is packed at Ragged.
    /// </summary>
    private readonly struct Panels(float* start, long panelStride, long step, int regular, float* ragged)
    {
        public readonly float* Start = start;
        public readonly long PanelStride = panelStride;
        public readonly long Step = step;
        public readonly int Regular = regular;
        public readonly float* Ragged = ragged;
    }

    /// <summary>
    /// All register tiles of one (mc × nc) block: B panels outer (a B micro-panel stays in L1 while
    /// the A panels stream from L2), A panels inner. A remainder of 1–2 columns is folded into the
    /// last full panel's tiles. Ragged tiles (fewer than MR rows or w columns left) run on a scratch
    /// tile so the microkernels never need masks: copy C in, run the full tile, copy the valid part back.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Macro<TKernel>(
        int mc, int nc, int kc, Panels aPanels, Panels bPanels, int kOffset,
        float* c, long ldc, bool load, float* tile)
        where TKernel : struct, IGemmMicroKernel
    {
        const int MR = GemmLayout.MR, NR = GemmLayout.NR, TS = GemmLayout.TileStride;
        int remainder = nc % NR;
        int extendedPanel = remainder >= 1 && remainder <= GemmLayout.MaxExtraColumns && nc > NR ? nc - remainder - NR : -1;
        for (int j = 0; j < nc; j += NR)
        {
            int w = GemmLayout.PanelWidth(nc, j);
            int nr = Math.Min(w, nc - j);
            float* bp = PanelB(bPanels, j, w, kOffset, out long bStep);
            int rx = 0;
            float* bx = null;
            long bxStep = 0;
            if (j == extendedPanel)
            {
                rx = remainder;
                bx = PanelB(bPanels, j + NR, GemmLayout.NarrowNR, kOffset, out bxStep);
            }

            for (int i = 0; i < mc; i += MR)
            {
                int mr = Math.Min(MR, mc - i);
                float* ap;
                long aStep;
                if (i >= aPanels.Regular)
                {
                    ap = aPanels.Ragged;
                    aStep = MR;
                }
                else
                {
                    ap = aPanels.Start + (i / MR) * aPanels.PanelStride;
                    aStep = aPanels.Step == 0 ? MR : aPanels.Step;
                }

                float* cp = c + i * ldc + j;
                // The next tile's C rows are 8 lines at ldc stride that the hardware prefetcher does
                // not predict; fetching them during this tile hides their latency (large M, C in L3).
                if (i + MR < mc)
                    PrefetchTile(cp + MR * ldc, ldc, Math.Min(MR, mc - i - MR));
                else if (j + NR < nc)
                    PrefetchTile(c + j + NR, ldc, Math.Min(MR, mc));

                if (rx == 0)
                {
                    if (mr == MR && nr == w)
                    {
                        TKernel.Tile(kc, ap, aStep, bp, bStep, w, cp, ldc, load);
                    }
                    else
                    {
                        if (load)
                            CopyTile(cp, ldc, tile, TS, mr, nr);
                        TKernel.Tile(kc, ap, aStep, bp, bStep, w, tile, TS, load);
                        CopyTile(tile, TS, cp, ldc, mr, nr);
                    }
                }
                else if (mr == MR)
                {
                    TKernel.TileWithColumns(kc, ap, aStep, bp, bStep, bx, bxStep, rx, cp, ldc, load);
                }
                else
                {
                    if (load)
                        CopyTile(cp, ldc, tile, TS, mr, NR + rx);
                    TKernel.TileWithColumns(kc, ap, aStep, bp, bStep, bx, bxStep, rx, tile, TS, load);
                    CopyTile(tile, TS, cp, ldc, mr, NR + rx);
                }
            }

            if (rx != 0)
                break; // the remainder columns are done
        }
    }

    /// <summary>The B micro-panel for columns j .. j+w of the block and its step per k.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float* PanelB(in Panels panels, int j, int w, int kOffset, out long step)
    {
        if (j >= panels.Regular)
        {
            step = w;
            return panels.Ragged;
        }
        float* p = panels.Start + (j / GemmLayout.NR) * panels.PanelStride;
        if (panels.Step != 0)
        {
            step = panels.Step;
            return p;
        }
        step = w;
        return p + (long)kOffset * w;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PrefetchTile(float* c, long ldc, int rows)
    {
        if (!Sse.IsSupported)
            return;
        for (int r = 0; r < rows; r++, c += ldc)
        {
            Sse.Prefetch0(c);
            Sse.Prefetch0(c + GemmLayout.NR - 1);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
