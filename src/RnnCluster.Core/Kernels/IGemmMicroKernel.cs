namespace RnnCluster.Core.Kernels;

/// <summary>
/// One register tile of C: MR (8) rows × w (32 or 16) columns, from one A panel and one B panel
/// (packed as in <see cref="GemmLayout"/>, or read in place with a row step). Every implementation
/// computes, per element,
///   c = load ? C[r,j] : +0.0f;  for p = 0..kc-1: c = fma(a[p·aStep + r], b[p·bStep + j], c);  C[r,j] = c
/// (ascending p, one rounding per step), so all implementations give identical bytes.
/// Starting from +0.0f (never from a[0]·b[0]) matters: fma(x, y, +0) maps a −0 product to +0.
/// </summary>
internal unsafe interface IGemmMicroKernel
{
    /// <summary>Largest K block for this kernel (<see cref="GemmLayout"/>); blocking never changes the bytes.</summary>
    static abstract int KC { get; }

    /// <summary>Largest M block (rows of A packed at once) for this kernel.</summary>
    static abstract int MC { get; }

    /// <param name="kc">Length of the k block (≥ 1).</param>
    /// <param name="a">A panel: MR values of op(A) column p at a + p·aStep.</param>
    /// <param name="aStep">MR when packed, lda when op(A) is read in place.</param>
    /// <param name="b">B panel: w values of op(B) row p at b + p·bStep.</param>
    /// <param name="bStep">w when packed, ldb when B is read in place.</param>
    /// <param name="w">Panel width: 32 or 16.</param>
    /// <param name="c">Top-left of the full MR×w destination tile.</param>
    /// <param name="ldc">Row stride of <paramref name="c"/>.</param>
    /// <param name="load">Continue the chains stored in C (accumulate, or a later K block) instead of starting at +0.</param>
    static abstract void Tile(int kc, float* a, long aStep, float* b, long bStep, int w, float* c, long ldc, bool load);

    /// <summary>
    /// An MR×32 tile (w = 32, as <see cref="Tile"/>) plus rx (1..MaxExtraColumns) extra columns
    /// right of it, C[r, 32 + t] for t &lt; rx, whose B values are at bx + p·bxStep + t (a packed
    /// narrow panel, zero-padded). Same per-element chain as every other tile.
    /// </summary>
    static abstract void TileWithColumns(int kc, float* a, long aStep, float* b, long bStep, float* bx, long bxStep, int rx, float* c, long ldc, bool load);
}
