using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace RnnCluster.Core.Kernels;

/// <summary>
/// Copies blocks of op(A) and op(B) into the panel layouts of <see cref="GemmLayout"/>. Packing only
/// moves bytes (no arithmetic), so it cannot change a result; it is vectorised because scalar
/// packing costs ~10% of a large product. Transposing cases use an AVX 8×8 transpose. Every loop is
/// AggressiveOptimization: a tier-0 copy loop would make the first calls several times slower.
/// </summary>
internal static unsafe class GemmPacking
{
    /// <summary>
    /// Packs op(A)[i0 .. i0+mc, p0 .. p0+kc) into panels of MR rows, layout [k][MR], rows past mc zero.
    /// transA=false: A(i,k) = a[i·lda + k]; transA=true: A(i,k) = a[k·lda + i].
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackA(float* a, long lda, bool transA, int i0, int mc, int p0, int kc, float* dst)
    {
        const int MR = GemmLayout.MR;
        for (int i = 0; i < mc; i += MR, dst += (long)MR * kc)
        {
            int mr = Math.Min(MR, mc - i);
            if (transA)
            {
                float* src = a + (long)p0 * lda + i0 + i;
                if (mr == MR)
                {
                    for (int p = 0; p < kc; p++)
                        Vector256.Store(Vector256.Load(src + p * lda), dst + p * MR);
                }
                else
                {
                    for (int p = 0; p < kc; p++)
                    {
                        float* s = src + p * lda;
                        float* d = dst + p * MR;
                        for (int r = 0; r < MR; r++)
                            d[r] = r < mr ? s[r] : 0f;
                    }
                }
            }
            else
            {
                float* src = a + (long)(i0 + i) * lda + p0;
                int p = 0;
                if (mr == MR && Avx.IsSupported)
                {
                    for (; p + 8 <= kc; p += 8)
                        Transpose8x8(src + p, lda, dst + p * MR, MR);
                }
                for (; p < kc; p++)
                {
                    float* d = dst + p * MR;
                    for (int r = 0; r < MR; r++)
                        d[r] = r < mr ? src[r * lda + p] : 0f;
                }
            }
        }
    }

    /// <summary>
    /// Packs op(B)[p0 .. p0+kc, j0 .. j0+nc) into panels (width NR, the last one 16 or 32), layout
    /// [k][w], panel q at dst + q·panelStride. transB=false: B(k,j) = b[k·ldb + j]; true: b[j·ldb + k].
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackB(float* b, long ldb, bool transB, int p0, int kc, int j0, int nc, float* dst, long panelStride)
    {
        if (!transB)
        {
            PackBRows(b + (long)p0 * ldb + j0, ldb, kc, nc, dst, panelStride);
            return;
        }
        for (int j = 0; j < nc; j += GemmLayout.NR, dst += panelStride)
        {
            int w = GemmLayout.PanelWidth(nc, j);
            int nr = Math.Min(w, nc - j);
            PackBPanelTransposed(b + (long)(j0 + j) * ldb + p0, ldb, kc, w, nr, dst);
        }
    }

    /// <summary>
    /// Row-major B: walk the source row by row (sequential reads the prefetcher follows, one page
    /// at a time) and scatter each row into the panels; walking panel by panel instead would touch
    /// a new 4 KB page per k for every panel.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackBRows(float* src, long ldb, int kc, int nc, float* dst, long panelStride)
    {
        int fullPanels = nc / GemmLayout.NR; // complete 32-wide panels; the rest is packed as one ragged panel
        int fullColumns = fullPanels * GemmLayout.NR;
        for (int p = 0; p < kc; p++, src += ldb)
        {
            float* d = dst + p * GemmLayout.NR;
            for (int j = 0; j < fullColumns; j += GemmLayout.NR, d += panelStride)
            {
                Vector256.Store(Vector256.Load(src + j), d);
                Vector256.Store(Vector256.Load(src + j + 8), d + 8);
                Vector256.Store(Vector256.Load(src + j + 16), d + 16);
                Vector256.Store(Vector256.Load(src + j + 24), d + 24);
            }
        }
        if (fullColumns < nc)
        {
            int w = GemmLayout.PanelWidth(nc, fullColumns);
            PackBPanel(src - kc * ldb + fullColumns, ldb, kc, w, nc - fullColumns, dst + fullPanels * panelStride);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackBPanel(float* src, long ldb, int kc, int w, int nr, float* dst)
    {
        if (nr == w)
        {
            for (int p = 0; p < kc; p++, src += ldb, dst += w)
                for (int v = 0; v < w; v += 8)
                    Vector256.Store(Vector256.Load(src + v), dst + v);
        }
        else
        {
            for (int p = 0; p < kc; p++, src += ldb, dst += w)
                for (int v = 0; v < w; v++)
                    dst[v] = v < nr ? src[v] : 0f;
        }
    }

    /// <summary>Source rows are output columns (contiguous in k): transpose 8 columns × 8 k at a time.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackBPanelTransposed(float* src, long ldb, int kc, int w, int nr, float* dst)
    {
        int p = 0;
        if (nr == w && Avx.IsSupported)
        {
            for (; p + 8 <= kc; p += 8)
                for (int v = 0; v < w; v += 8)
                    Transpose8x8(src + v * ldb + p, ldb, dst + (long)p * w + v, w);
        }
        for (; p < kc; p++)
        {
            float* d = dst + (long)p * w;
            for (int v = 0; v < w; v++)
                d[v] = v < nr ? src[v * ldb + p] : 0f;
        }
    }

    /// <summary>dst[c·dstStride + r] = src[r·srcStride + c] for r, c in 0..7.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8x8(float* src, long srcStride, float* dst, long dstStride)
    {
        var r0 = Avx.LoadVector256(src);
        var r1 = Avx.LoadVector256(src + srcStride);
        var r2 = Avx.LoadVector256(src + 2 * srcStride);
        var r3 = Avx.LoadVector256(src + 3 * srcStride);
        var r4 = Avx.LoadVector256(src + 4 * srcStride);
        var r5 = Avx.LoadVector256(src + 5 * srcStride);
        var r6 = Avx.LoadVector256(src + 6 * srcStride);
        var r7 = Avx.LoadVector256(src + 7 * srcStride);

        // Interleave pairs of rows: t0 = a0 b0 a1 b1 | a4 b4 a5 b5, t1 = a2 b2 a3 b3 | a6 b6 a7 b7.
        var t0 = Avx.UnpackLow(r0, r1);
        var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3);
        var t3 = Avx.UnpackHigh(r2, r3);
        var t4 = Avx.UnpackLow(r4, r5);
        var t5 = Avx.UnpackHigh(r4, r5);
        var t6 = Avx.UnpackLow(r6, r7);
        var t7 = Avx.UnpackHigh(r6, r7);

        // Gather four rows per column within each 128-bit lane: s0 = a0 b0 c0 d0 | a4 b4 c4 d4.
        var s0 = Avx.Shuffle(t0, t2, 0x44);
        var s1 = Avx.Shuffle(t0, t2, 0xEE);
        var s2 = Avx.Shuffle(t1, t3, 0x44);
        var s3 = Avx.Shuffle(t1, t3, 0xEE);
        var s4 = Avx.Shuffle(t4, t6, 0x44);
        var s5 = Avx.Shuffle(t4, t6, 0xEE);
        var s6 = Avx.Shuffle(t5, t7, 0x44);
        var s7 = Avx.Shuffle(t5, t7, 0xEE);

        // Join the lanes of rows 0-3 and 4-7.
        Avx.Store(dst, Avx.Permute2x128(s0, s4, 0x20));
        Avx.Store(dst + dstStride, Avx.Permute2x128(s1, s5, 0x20));
        Avx.Store(dst + 2 * dstStride, Avx.Permute2x128(s2, s6, 0x20));
        Avx.Store(dst + 3 * dstStride, Avx.Permute2x128(s3, s7, 0x20));
        Avx.Store(dst + 4 * dstStride, Avx.Permute2x128(s0, s4, 0x31));
        Avx.Store(dst + 5 * dstStride, Avx.Permute2x128(s1, s5, 0x31));
        Avx.Store(dst + 6 * dstStride, Avx.Permute2x128(s2, s6, 0x31));
        Avx.Store(dst + 7 * dstStride, Avx.Permute2x128(s3, s7, 0x31));
    }
}
