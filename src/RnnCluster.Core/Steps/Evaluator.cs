using RnnCluster.Core.Data;
using RnnCluster.Core.Model;

namespace RnnCluster.Core.Steps;

/// <summary>
/// Validation loss: mean nats per token over a whole token sequence, cut into non-overlapping
/// windows of T targets each scored from the zero state. Full windows are batched for speed
/// (rows are independent, so batching does not change any window's loss).
/// </summary>
public sealed class Evaluator : IDisposable
{
    private const int MaxBatch = 32;

    private readonly RecurrentLanguageModel _model;
    private readonly ReadOnlyMemory<int> _tokens;
    private readonly EvaluationWindow[] _windows;
    private readonly int _seqLen;

    /// <param name="tokensWithContext">The sequence whose tokens 1..end are scored (token 0 is context only).</param>
    public Evaluator(ModelDescription model, int seqLen, ReadOnlyMemory<int> tokensWithContext)
    {
        _seqLen = seqLen;
        _tokens = tokensWithContext;
        _windows = tokensWithContext.Length < 2 ? [] : EvaluationWindow.Cover(tokensWithContext.Length, seqLen);
        _model = new RecurrentLanguageModel(model, MaxBatch, seqLen);
    }

    public int TargetCount => _windows.Sum(w => w.Length);

    /// <summary>Mean loss per target token, or NaN when there is nothing to score.</summary>
    public double MeanLoss(ReadOnlySpan<float> parameters)
    {
        if (_windows.Length == 0)
            return double.NaN;
        _model.LoadParameters(parameters);
        var tokens = _tokens.Span;
        double total = 0;
        int targets = 0;
        var inputs = new int[MaxBatch * _seqLen];
        var outputs = new int[MaxBatch * _seqLen];
        int i = 0;
        while (i < _windows.Length)
        {
            int length = _windows[i].Length;
            int batch = 0;
            while (i + batch < _windows.Length && batch < MaxBatch && _windows[i + batch].Length == length)
                batch++;
            for (int b = 0; b < batch; b++)
            {
                int start = _windows[i + b].Start;
                for (int t = 0; t < length; t++)
                {
                    inputs[t * batch + b] = tokens[start + t];
                    outputs[t * batch + b] = tokens[start + t + 1];
                }
            }
            total += _model.Loss(inputs.AsSpan(0, batch * length), outputs.AsSpan(0, batch * length), batch, length);
            targets += batch * length;
            i += batch;
        }
        return total / targets;
    }

    public void Dispose() => _model.Dispose();
}
