using System.Runtime.CompilerServices;
using RnnCluster.Core.Kernels;
using RnnCluster.Core.Memory;

namespace RnnCluster.Core.Model;

/// <summary>
/// logits = bout + top·Wout (rows, V), softmax cross-entropy over all V tokens. The rows go
/// through in tiles: a tile's logits are computed, turned into the softmax gradient and multiplied
/// back into dtop while they are still in cache, with Wout packed once per parameter version for
/// both products. Only dWout needs every row's gradient; it is one product at the end. Tiling the
/// rows changes no byte: each logit and each dtop value is its own FMA chain, dbout adds the rows in
/// ascending order as before.
/// </summary>
internal sealed unsafe class FullSoftmaxOutput : IOutputLayer
{
    /// <summary>
    /// Rows per tile (RNNCLUSTER_SOFTMAX_TILE_ROWS overrides it, for benchmarks). Below 128 rows every tile
    /// streams the packed Wout again and the step is slower; from 128 up to all rows it measures the
    /// same (docs/decisions/0023-adaptive-softmax-defaults.md); 256 rows keep a tile's logits in L3 up to V ≈ 30,000.
    /// </summary>
    internal static int TileRows = int.TryParse(Environment.GetEnvironmentVariable("RNNCLUSTER_SOFTMAX_TILE_ROWS"), out int t) && t > 0 ? t : 256;

    private readonly ParameterLayout _layout;
    private readonly AlignedBuffer _logits; // (rows, V) logits → softmax → gradient
    private readonly PackedB _weight;       // Wout (H, V)
    private readonly PackedB _weightT;      // Woutᵀ (V, H)

    public FullSoftmaxOutput(ParameterLayout layout, int maxRows)
    {
        _layout = layout;
        int v = layout.Description.VocabSize, h = layout.Description.Hidden;
        _logits = new AlignedBuffer(checked(maxRows * v));
        _weight = new PackedB(h, v);
        _weightT = new PackedB(v, h);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void PackWeights(float* p)
    {
        int v = _layout.Description.VocabSize;
        _weight.Pack(p + _layout.OutputWeight.Offset, v, transB: false);
        _weightT.Pack(p + _layout.OutputWeight.Offset, v, transB: true);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public double ForwardBackward(float* p, float* g, float* top, ReadOnlySpan<int> targets, int rows, float scale, float* dTop, Action? parametersFinal)
    {
        int v = _layout.Description.VocabSize, h = _layout.Description.Hidden;
        float* logits = _logits.Pointer, db = g + _layout.OutputBias.Offset;
        new Span<float>(db, v).Clear();
        double loss = 0;
        for (int r0 = 0; r0 < rows; r0 += TileRows)
        {
            int n = Math.Min(TileRows, rows - r0);
            float* tile = logits + (long)r0 * v;
            Logits(p, top + (long)r0 * h, n, tile);
            for (int r = 0; r < n; r++)
            {
                loss += SoftmaxCrossEntropy.ForwardBackward(tile + (long)r * v, v, targets[r0 + r], scale);
                Elementwise.AddInPlace(db, tile + (long)r * v, v); // dbout = Σ_rows dlogits, ascending
            }
            // dtop = dlogits·Woutᵀ   (n, H)
            _weightT.Multiply(n, tile, v, false, dTop + (long)r0 * h, h, accumulate: false);
        }
        // dWout = topᵀ·dlogits   (H, V)
        Gemm.Multiply(h, v, rows, top, h, true, logits, v, false, g + _layout.OutputWeight.Offset, v, false);
        parametersFinal?.Invoke();
        return loss;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public double Loss(float* p, float* top, ReadOnlySpan<int> targets, int rows)
    {
        int v = _layout.Description.VocabSize, h = _layout.Description.Hidden;
        double loss = 0;
        for (int r0 = 0; r0 < rows; r0 += TileRows)
        {
            int n = Math.Min(TileRows, rows - r0);
            Logits(p, top + (long)r0 * h, n, _logits.Pointer);
            for (int r = 0; r < n; r++)
                loss += SoftmaxCrossEntropy.Loss(_logits.Pointer + (long)r * v, v, targets[r0 + r]);
        }
        return loss;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Scores(float* p, float* top, int rows, float* dst) => Logits(p, top, rows, dst);

    /// <summary>logits = bout + top·Wout   (rows, V)</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Logits(float* p, float* top, int rows, float* logits)
    {
        int v = _layout.Description.VocabSize, h = _layout.Description.Hidden;
        Elementwise.FillRows(logits, rows, v, v, p + _layout.OutputBias.Offset);
        _weight.Multiply(rows, top, h, false, logits, v, accumulate: true);
    }

    public void Dispose()
    {
        _logits.Dispose();
        _weight.Dispose();
        _weightT.Dispose();
    }
}
