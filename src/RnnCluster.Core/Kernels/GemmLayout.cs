namespace RnnCluster.Core.Kernels;

/// <summary>
/// Shapes of the packed operands and of the cache blocks, shared by every <see cref="GemmPath"/>
/// so that one <see cref="PackedB"/> serves them all.
///
/// Packed A: panels of <see cref="MR"/> rows; panel layout [k][MR] (row i of the panel at offset
/// k·MR + i), rows past M are zero. Packed B: panels of <see cref="NR"/> columns, layout [k][w];
/// only the last panel may be narrower: w = 16 when at most 16 columns remain, else 32; columns
/// past N are zero. (A remainder of 1–2 columns is not computed 16 wide but folded into the last
/// full panel's tiles, see <see cref="MaxExtraColumns"/>.)
///
/// KC, MC, WideKC, WideMC and NC are static fields only so the benchmark can sweep them; nothing
/// else writes them. Each microkernel names its K and M blocks (<see cref="IGemmMicroKernel.KC"/>).
/// </summary>
internal static class GemmLayout
{
    /// <summary>Register tile height. 8 divides every batch size we train with (16, 32, 64).</summary>
    public const int MR = 8;

    /// <summary>Register tile width: two Vector512 (or four Vector256) per row.</summary>
    public const int NR = 32;

    /// <summary>Width of the narrow last panel.</summary>
    public const int NarrowNR = 16;

    /// <summary>
    /// A remainder of at most this many columns (N mod 32, e.g. the 65-word vocabulary) rides along
    /// with the last full panel (<see cref="IGemmMicroKernel.TileWithColumns"/>) instead of costing
    /// a 16-wide panel: 18 instead of 24 FMAs per k for the last 33–34 columns.
    /// </summary>
    public const int MaxExtraColumns = 2;

    /// <summary>Row stride of the scratch tile that stands in for C at ragged edges.</summary>
    public const int TileStride = NR + NarrowNR;

    /// <summary>
    /// K block of the Vector256 and scalar kernels. The per-element chain is carried through C
    /// across K blocks (C is loaded into the accumulators at the start of every block after the
    /// first), so blocking never reorders a sum. KC·NR·4 bytes = 32 KB: the B micro-panel of a tile
    /// stays near L1 across row tiles; the Vector256 kernel reads each B panel in three passes per
    /// tile, which a deeper block pushes out to L2 (KC = 512 measured 0–3% slower there).
    /// </summary>
    public static int KC = 256;

    /// <summary>Rows of A packed per block for the Vector256 and scalar kernels (MC·KC·4 bytes = 256 KB of L2).</summary>
    public static int MC = 256;

    /// <summary>
    /// K block of the Vector512 kernel. Its single pass over a B panel streams well from L2, so a
    /// deeper block halves the C tile reloads (loading and storing 16 zmm per tile and K block):
    /// on EPYC Zen 4 (32 KB L1, 1 MB L2), 512 against 256 gave +5% on the recurrent step
    /// (64×2048×512 packed), +3% on 8192×2048×512 and the weight gradient
    /// (`gemm --m 512 --n 2048 --k 8192 --transa --kc 256,512 --mc 128,256`).
    /// </summary>
    public static int WideKC = 512;

    /// <summary>Rows of A packed per block for the Vector512 kernel: MC·KC·4 bytes = 256 KB of L2, as above.</summary>
    public static int WideMC = 128;

    /// <summary>Columns of B packed per block (KC·NC·4 bytes in the 2 MB L2).</summary>
    public static int NC = 1024;

    /// <summary>Width of the panel starting at column j of an operand with n columns.</summary>
    public static int PanelWidth(int n, int j) => n - j > NarrowNR ? NR : NarrowNR;

    /// <summary>Floats of a packed B block with kc rows and n columns: panel p starts at p·NR·kc.</summary>
    public static long PackedBLength(int kc, int n) => (long)kc * RoundUp(n, NR);

    /// <summary>Floats of a packed A block with mc rows and kc columns: panel q starts at q·MR·kc.</summary>
    public static long PackedALength(int mc, int kc) => (long)kc * RoundUp(mc, MR);

    public static int RoundUp(int x, int multiple) => (x + multiple - 1) / multiple * multiple;
}
