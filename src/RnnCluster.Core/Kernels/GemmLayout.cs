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
    /// first), so blocking never reorders a sum. The Vector256 kernel reads each B micro-panel in
    /// three passes per tile, so the panel should stay in L1 next to the A panel: KC·NR·4 = 16 KB
    /// plus 4 KB of A in a 32 KB L1 (Zen 4; 48 KB on Zen 5 and recent Xeons).
    /// </summary>
    public static int KC = 128;

    /// <summary>Rows of A packed per block for the Vector256 and scalar kernels (MC·KC·4 bytes = 128 KB of L2).</summary>
    public static int MC = 256;

    /// <summary>
    /// K block of the Vector512 kernel. Its single pass over a B panel streams well from L2, so a
    /// deep block halves the C tile reloads (16 zmm loaded and stored per tile and K block).
    /// </summary>
    public static int WideKC = 512;

    /// <summary>Rows of A packed per block for the Vector512 kernel (MC·KC·4 bytes = 128 KB of L2).</summary>
    public static int WideMC = 64;

    /// <summary>Columns of B packed per block (KC·NC·4 bytes: 1 MB for Vector256, 4 MB for Vector512, in L2 and L3).</summary>
    public static int NC = 2048;

    /// <summary>Width of the panel starting at column j of an operand with n columns.</summary>
    public static int PanelWidth(int n, int j) => n - j > NarrowNR ? NR : NarrowNR;

    /// <summary>Floats of a packed B block with kc rows and n columns: panel p starts at p·NR·kc.</summary>
    public static long PackedBLength(int kc, int n) => (long)kc * RoundUp(n, NR);

    /// <summary>Floats of a packed A block with mc rows and kc columns: panel q starts at q·MR·kc.</summary>
    public static long PackedALength(int mc, int kc) => (long)kc * RoundUp(mc, MR);

    public static int RoundUp(int x, int multiple) => (x + multiple - 1) / multiple * multiple;
}
