using System.Runtime.CompilerServices;
using RnnCluster.Core.Kernels;
using RnnCluster.Core.Memory;

namespace RnnCluster.Core.Model;

/// <summary>logits = bout + top·Wout (rows, V), softmax cross-entropy over all V tokens.</summary>
internal sealed unsafe class FullSoftmaxOutput : IOutputLayer
{
    private readonly ParameterLayout _layout;
    private readonly AlignedBuffer _logits; // (rows, V) logits → softmax → gradient

    public FullSoftmaxOutput(ParameterLayout layout, int maxRows)
    {
        _layout = layout;
        _logits = new AlignedBuffer(checked(maxRows * layout.Description.VocabSize));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public double ForwardBackward(float* p, float* g, float* top, ReadOnlySpan<int> targets, int rows, float scale, float* dTop, Action? parametersFinal)
    {
        int v = _layout.Description.VocabSize, h = _layout.Description.Hidden;
        float* logits = _logits.Pointer;
        Logits(p, top, rows, logits);
        double loss = 0;
        for (int r = 0; r < rows; r++)
            loss += SoftmaxCrossEntropy.ForwardBackward(logits + (long)r * v, v, targets[r], scale);

        // dWout = topᵀ·dlogits (H, V);  dbout = Σ_rows dlogits;  dtop = dlogits·Woutᵀ (rows, H)
        Gemm.Multiply(h, v, rows, top, h, true, logits, v, false, g + _layout.OutputWeight.Offset, v, false);
        Elementwise.ColumnSums(logits, rows, v, v, g + _layout.OutputBias.Offset);
        parametersFinal?.Invoke();
        Gemm.Multiply(rows, h, v, logits, v, false, p + _layout.OutputWeight.Offset, v, true, dTop, h, false);
        return loss;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public double Loss(float* p, float* top, ReadOnlySpan<int> targets, int rows)
    {
        int v = _layout.Description.VocabSize;
        Logits(p, top, rows, _logits.Pointer);
        double loss = 0;
        for (int r = 0; r < rows; r++)
            loss += SoftmaxCrossEntropy.Loss(_logits.Pointer + (long)r * v, v, targets[r]);
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
        Gemm.Multiply(rows, v, h, top, h, false, p + _layout.OutputWeight.Offset, v, false, logits, v, true);
    }

    public void Dispose() => _logits.Dispose();
}
