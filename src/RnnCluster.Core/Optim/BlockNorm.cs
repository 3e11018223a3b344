using RnnCluster.Core.Kernels;

namespace RnnCluster.Core.Optim;

/// <summary>
/// The squared L2 norm of a gradient, defined over fixed blocks so that it is the same however the
/// buffer is split among threads or parameter-server shards:
///   s_b = Σ_{i ∈ block b} g_i²   (blocks of <see cref="BlockSize"/> values from index 0, each in
///                                  <see cref="Reductions"/>' 16-lane order, in double)
///   ‖g‖² = ((s_0 + s_1) + s_2) + …   (ascending b, in double)
/// A holder of some blocks computes their s_b; whoever folds needs all s_b, a few doubles.
/// A NaN or ∞ anywhere makes ‖g‖² non-finite, so the non-finite verdict is block-wise too.
/// </summary>
public static unsafe class BlockNorm
{
    /// <summary>Values per block: 256 KiB of floats; a multiple of the 16 lanes, so blocks start vector-aligned.</summary>
    public const int BlockSize = 1 << 16;

    public static int BlockCount(int length) => (length + BlockSize - 1) / BlockSize;

    /// <summary>s_b for every block of <paramref name="x"/> (a buffer starting at block 0).</summary>
    public static void BlockSums(ReadOnlySpan<float> x, Span<double> sums, BlockParallel? parallel = null)
    {
        int blocks = BlockCount(x.Length);
        if (sums.Length != blocks)
            throw new ArgumentException($"Expected {blocks} block sums for {x.Length} values, got {sums.Length}.", nameof(sums));
        fixed (float* px = x)
        fixed (double* ps = sums)
        {
            nint values = (nint)px, results = (nint)ps;
            int length = x.Length;
            (parallel ?? BlockParallel.Sequential).For(blocks, b =>
            {
                int start = b * BlockSize;
                ((double*)results)[b] = Reductions.SumOfSquares(new ReadOnlySpan<float>((float*)values + start, Math.Min(BlockSize, length - start)));
            });
        }
    }

    /// <summary>‖g‖² from all block sums, in ascending block order.</summary>
    public static double Fold(ReadOnlySpan<double> sums)
    {
        double total = 0;
        foreach (double s in sums)
            total += s;
        return total;
    }

    /// <summary>‖x‖² by the block definition.</summary>
    public static double SumOfSquares(ReadOnlySpan<float> x, BlockParallel? parallel = null)
    {
        int blocks = BlockCount(x.Length);
        double[]? rented = blocks > 64 ? new double[blocks] : null;
        Span<double> sums = rented ?? stackalloc double[blocks];
        BlockSums(x, sums, parallel);
        return Fold(sums);
    }
}
