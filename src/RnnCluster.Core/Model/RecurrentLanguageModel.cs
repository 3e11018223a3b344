using System.Runtime.CompilerServices;
using RnnCluster.Core.Kernels;
using RnnCluster.Core.Memory;

namespace RnnCluster.Core.Model;

/// <summary>
/// Embedding → L recurrent layers (dropout after each) → output layer (full or adaptive softmax,
/// <see cref="IOutputLayer"/>) → cross-entropy, over
/// windows of T steps for B sequences (rows time-major: row = t·B + b). Holds its own copy of
/// the flat parameters and the activations of one window; one instance per thread.
/// </summary>
public sealed unsafe class RecurrentLanguageModel : IDisposable
{
    private readonly RecurrentLayer[] _layers;
    private readonly AlignedBuffer _parameters;
    private readonly AlignedBuffer _embedded;      // (T·B, E)
    private readonly AlignedBuffer?[] _masks;      // per layer (T·B, H), only with dropout
    private readonly AlignedBuffer?[] _dropped;    // per layer (T·B, H) = output ⊙ mask
    private readonly IOutputLayer _output;
    private readonly AlignedBuffer _gradA;         // (T·B, max(E, H)) ping-pong of input gradients
    private readonly AlignedBuffer _gradB;
    private bool _dropoutActive;

    public RecurrentLanguageModel(ModelDescription description, int maxBatch, int maxSteps)
    {
        description.Validate();
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatch, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSteps, 1);
        Description = description;
        Layout = new ParameterLayout(description);
        MaxBatch = maxBatch;
        MaxSteps = maxSteps;
        int rows = checked(maxBatch * maxSteps);
        int h = description.Hidden;
        _layers = new RecurrentLayer[description.Layers];
        _masks = new AlignedBuffer?[description.Layers];
        _dropped = new AlignedBuffer?[description.Layers];
        for (int l = 0; l < description.Layers; l++)
        {
            int input = l == 0 ? description.Embed : h;
            _layers[l] = RecurrentLayer.Create(description.Cell, Layout.Layers[l], input, h, maxSteps, maxBatch);
            if (description.Dropout > 0f)
            {
                _masks[l] = new AlignedBuffer(checked(rows * h));
                _dropped[l] = new AlignedBuffer(checked(rows * h));
            }
        }
        _parameters = new AlignedBuffer(Layout.TotalSize);
        _embedded = new AlignedBuffer(checked(rows * description.Embed));
        _output = description.Softmax.IsAdaptive ? new AdaptiveSoftmaxOutput(Layout, rows) : new FullSoftmaxOutput(Layout, rows);
        int width = Math.Max(description.Embed, h);
        _gradA = new AlignedBuffer(checked(rows * width));
        _gradB = new AlignedBuffer(checked(rows * width));
    }

    public ModelDescription Description { get; }

    public ParameterLayout Layout { get; }

    public int MaxBatch { get; }

    public int MaxSteps { get; }

    public ReadOnlySpan<float> Parameters => _parameters.Span;

    /// <summary>Copies the parameters in and packs the weights used once per step.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void LoadParameters(ReadOnlySpan<float> parameters)
    {
        if (parameters.Length != Layout.TotalSize)
            throw new ArgumentException($"Expected {Layout.TotalSize} parameters for {Description}, got {parameters.Length}.", nameof(parameters));
        parameters.CopyTo(_parameters.Span);
        foreach (var layer in _layers)
            layer.PackWeights(_parameters.Pointer);
        _output.PackWeights(_parameters.Pointer);
    }

    /// <summary>
    /// Loss and gradient of one training window from the zero state.
    /// The gradient span is overwritten with d(scale · Σ loss)/dθ; the return value is Σ loss
    /// over the T·B targets in nats (double).
    /// </summary>
    /// <param name="dropout">Whose masks to draw; ignored when the model has no dropout.</param>
    /// <param name="gradientFinalFrom">
    /// Told o as soon as gradient[o..] is final, while backpropagation goes on below o (the output
    /// layer first, then each layer from the top): the caller may hand that tail over early.
    /// </param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public double ForwardBackward(ReadOnlySpan<int> inputs, ReadOnlySpan<int> targets, int batch, int steps,
        DropoutKey dropout, float gradientScale, Span<float> gradient, Action<int>? gradientFinalFrom = null)
    {
        CheckWindow(inputs, targets, batch, steps);
        if (gradient.Length != Layout.TotalSize)
            throw new ArgumentException($"Expected a gradient of {Layout.TotalSize} values, got {gradient.Length}.", nameof(gradient));
        float* top = ForwardLayers(inputs, batch, steps, dropout, training: true);
        int rows = batch * steps, h = Description.Hidden;
        float* p = _parameters.Pointer;
        double loss;

        fixed (float* g = gradient)
        {
            float* dA = _gradA.Pointer, dB = _gradB.Pointer;
            int outputStart = Layout.OutputWeight.Offset;
            loss = _output.ForwardBackward(p, g, top, targets, rows, gradientScale, dA,
                gradientFinalFrom is null ? null : () => gradientFinalFrom(outputStart));

            for (int l = _layers.Length - 1; l >= 0; l--)
            {
                if (_dropoutActive)
                    Elementwise.MultiplyInPlace(dA, _masks[l]!.Pointer, rows * h);
                float* layerInput = l == 0 ? _embedded.Pointer : LayerOutput(l - 1);
                _layers[l].Backward(p, g, layerInput, dA, dB, steps, batch);
                gradientFinalFrom?.Invoke(Layout.Layers[l].Wx.Offset);
                float* swap = dA;
                dA = dB;
                dB = swap;
            }
            EmbeddingBackward(inputs, dA, g + Layout.Embedding.Offset);
        }
        return loss;
    }

    /// <summary>Σ loss of a window from the zero state, without dropout (validation).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public double Loss(ReadOnlySpan<int> inputs, ReadOnlySpan<int> targets, int batch, int steps)
    {
        CheckWindow(inputs, targets, batch, steps);
        float* top = ForwardLayers(inputs, batch, steps, default, training: false);
        return _output.Loss(_parameters.Pointer, top, targets, batch * steps);
    }

    /// <summary>Forgets the state carried by <see cref="NextLogits"/>.</summary>
    public void ResetState()
    {
        foreach (var layer in _layers)
            layer.ResetState();
    }

    /// <summary>
    /// Feeds one token per sequence, continuing from the carried state, and writes the next-token
    /// scores (B, V) whose softmax is the distribution: logits, or log-probabilities with the adaptive softmax.
    /// </summary>
    public void NextLogits(ReadOnlySpan<int> tokens, Span<float> logits)
    {
        int batch = tokens.Length, v = Description.VocabSize;
        if (batch < 1 || batch > MaxBatch)
            throw new ArgumentOutOfRangeException(nameof(tokens), $"Between 1 and {MaxBatch} tokens expected, got {batch}.");
        if (logits.Length != batch * v)
            throw new ArgumentException($"Expected {batch * v} logits, got {logits.Length}.", nameof(logits));
        CheckTokens(tokens, nameof(tokens));
        float* top = ForwardLayers(tokens, batch, 1, default, training: false, carryState: true);
        fixed (float* dst = logits)
            _output.Scores(_parameters.Pointer, top, batch, dst);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private float* ForwardLayers(ReadOnlySpan<int> inputs, int batch, int steps, DropoutKey dropout, bool training, bool carryState = false)
    {
        int rows = batch * steps, e = Description.Embed, h = Description.Hidden;
        float* p = _parameters.Pointer, x = _embedded.Pointer;
        float* table = p + Layout.Embedding.Offset;
        // x_r = E[token_r]   (T·B, E)
        for (int r = 0; r < rows; r++)
            new Span<float>(table + (long)inputs[r] * e, e).CopyTo(new Span<float>(x + (long)r * e, e));

        _dropoutActive = training && Description.Dropout > 0f;
        float* input = x;
        _layers[0].SetEmbeddingInput(table, Description.VocabSize, inputs);
        for (int l = 0; l < _layers.Length; l++)
        {
            _layers[l].Forward(p, input, steps, batch, carryState);
            input = _layers[l].Output.Pointer;
            if (_dropoutActive)
            {
                var mask = new Span<float>(_masks[l]!.Pointer, rows * h);
                DropoutMask.Fill(dropout.ForLayer(l), Description.Dropout, mask);
                Elementwise.Multiply(input, _masks[l]!.Pointer, _dropped[l]!.Pointer, rows * h);
                input = _dropped[l]!.Pointer;
            }
        }
        return input;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private float* LayerOutput(int l) => _dropoutActive ? _dropped[l]!.Pointer : _layers[l].Output.Pointer;

    /// <summary>dE[token_r] += dx_r in ascending r, so repeated tokens always sum in the same order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void EmbeddingBackward(ReadOnlySpan<int> inputs, float* dx, float* dTable)
    {
        int e = Description.Embed;
        new Span<float>(dTable, Layout.Embedding.Size).Clear();
        for (int r = 0; r < inputs.Length; r++)
            Elementwise.AddInPlace(dTable + (long)inputs[r] * e, dx + (long)r * e, e);
    }

    private void CheckWindow(ReadOnlySpan<int> inputs, ReadOnlySpan<int> targets, int batch, int steps)
    {
        if (batch < 1 || batch > MaxBatch || steps < 1 || steps > MaxSteps)
            throw new ArgumentOutOfRangeException(nameof(batch), $"Window of {steps} steps × {batch} sequences exceeds the model's capacity ({MaxSteps} × {MaxBatch}).");
        if (inputs.Length != batch * steps || targets.Length != batch * steps)
            throw new ArgumentException($"Expected {batch * steps} inputs and targets, got {inputs.Length} and {targets.Length}.");
        CheckTokens(inputs, nameof(inputs));
        CheckTokens(targets, nameof(targets));
    }

    private void CheckTokens(ReadOnlySpan<int> tokens, string name)
    {
        int v = Description.VocabSize;
        for (int i = 0; i < tokens.Length; i++)
            if ((uint)tokens[i] >= (uint)v)
                throw new ArgumentOutOfRangeException(name, $"Token id {tokens[i]} at position {i} is outside the vocabulary of {v}.");
    }

    public void Dispose()
    {
        foreach (var layer in _layers)
            layer.Dispose();
        foreach (var b in _masks)
            b?.Dispose();
        foreach (var b in _dropped)
            b?.Dispose();
        _parameters.Dispose();
        _embedded.Dispose();
        _output.Dispose();
        _gradA.Dispose();
        _gradB.Dispose();
    }
}
