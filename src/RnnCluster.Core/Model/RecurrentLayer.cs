using System.Runtime.CompilerServices;
using RnnCluster.Core.Kernels;
using RnnCluster.Core.Memory;

namespace RnnCluster.Core.Model;

/// <summary>
/// One recurrent layer over a window of T steps for B sequences, rows laid out time-major
/// (row = t·B + b). Subclasses differ in the cell; they share the output, the carried state
/// and the per-step packing of the recurrent weights (Wh does not change within a step).
/// </summary>
internal abstract unsafe class RecurrentLayer : IDisposable
{
    protected RecurrentLayer(LayerTensors tensors, int input, int hidden, int gates, int maxSteps, int maxBatch)
    {
        Tensors = tensors;
        Input = input;
        Hidden = hidden;
        GateWidth = gates * hidden;
        MaxSteps = maxSteps;
        MaxBatch = maxBatch;
        int maxRows = checked(maxSteps * maxBatch);
        Output = new AlignedBuffer(checked(maxRows * hidden));
        StateH = new AlignedBuffer(maxBatch * hidden);
        DhNext = new AlignedBuffer(maxBatch * hidden);
        WhPacked = new PackedB(hidden, GateWidth);
        WhTransposedPacked = new PackedB(GateWidth, hidden);
    }

    public LayerTensors Tensors { get; }

    public int Input { get; }

    public int Hidden { get; }

    /// <summary>G·H: the width of the gate block.</summary>
    public int GateWidth { get; }

    public int MaxSteps { get; }

    public int MaxBatch { get; }

    /// <summary>(T·B, H) hidden states of the last forward pass.</summary>
    public AlignedBuffer Output { get; }

    /// <summary>(B, H) hidden state carried between calls when generating.</summary>
    protected AlignedBuffer StateH { get; }

    /// <summary>(B, H) gradient flowing into h of the previous step during backward.</summary>
    protected AlignedBuffer DhNext { get; }

    protected PackedB WhPacked { get; }

    protected PackedB WhTransposedPacked { get; }

    /// <summary>Set by a forward pass that started from a carried state: such a pass has no backward.</summary>
    protected bool LastForwardCarried { get; set; }

    private int[]? _tokens;             // token id of every input row, when the input is an embedding lookup
    private float* _embeddingTable;     // (V, in)
    private int _vocab;
    private AlignedBuffer? _projected;  // (V, G·H) bx + E·Wx

    /// <summary>
    /// Tells the next <see cref="Forward"/> that input row r is row tokens[r] of the (V, in)
    /// embedding table (layer 0 of a language model), so the input projection may be computed per
    /// vocabulary row instead of per window row (<see cref="ProjectInput"/>). Only a window with
    /// more rows than the vocabulary gains from that; for any other the call records nothing.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void SetEmbeddingInput(float* table, int vocab, ReadOnlySpan<int> tokens)
    {
        _embeddingTable = null;
        if (vocab >= tokens.Length)
            return;
        if (_tokens == null || _tokens.Length < tokens.Length)
            _tokens = new int[Math.Max(tokens.Length, MaxSteps * MaxBatch)];
        tokens.CopyTo(_tokens);
        _embeddingTable = table;
        _vocab = vocab;
    }

    /// <summary>
    /// dst = bx + x·Wx   (rows, G·H). When the input rows are embedding rows and the vocabulary is
    /// smaller than the window (character level: 65 rows instead of T·B = 8,192), P = bx + E·Wx
    /// (V, G·H) is computed once and row r is copied from P[token_r]: element (r, j) of both is
    /// the chain bx_j, then fma over the same E[token_r] values in ascending k, so the bytes are
    /// those of the full product. Consumes the embedding input set for this pass.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected void ProjectInput(float* parameters, float* x, int rows, float* dst)
    {
        int gw = GateWidth;
        float* bx = parameters + Tensors.Bx.Offset, wx = parameters + Tensors.Wx.Offset;
        int[]? tokens = _tokens;
        int vocab = _vocab;
        float* table = _embeddingTable;
        _embeddingTable = null;
        if (table == null)
        {
            Elementwise.FillRows(dst, rows, gw, gw, bx);
            Gemm.Multiply(rows, gw, Input, x, Input, false, wx, gw, false, dst, gw, true);
            return;
        }

        if (_projected == null || _projected.Length < (long)vocab * gw)
        {
            _projected?.Dispose();
            _projected = new AlignedBuffer(checked(vocab * gw));
        }
        float* projected = _projected.Pointer;
        // P = bx + E·Wx   (V, G·H)
        Elementwise.FillRows(projected, vocab, gw, gw, bx);
        Gemm.Multiply(vocab, gw, Input, table, Input, false, wx, gw, false, projected, gw, true);
        // dst_r = P[token_r]
        for (int r = 0; r < rows; r++)
            new ReadOnlySpan<float>(projected + (long)tokens![r] * gw, gw).CopyTo(new Span<float>(dst + (long)r * gw, gw));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void PackWeights(float* parameters)
    {
        float* wh = parameters + Tensors.Wh.Offset;
        WhPacked.Pack(wh, GateWidth, transB: false);
        WhTransposedPacked.Pack(wh, GateWidth, transB: true);
    }

    /// <param name="x">(T·B, in) layer input.</param>
    /// <param name="carryState">false: start from the zero state (training windows); true: start from, and update, the carried state.</param>
    public abstract void Forward(float* parameters, float* x, int steps, int batch, bool carryState);

    /// <param name="dOutput">(T·B, H) gradient of the loss with respect to <see cref="Output"/>.</param>
    /// <param name="dInput">(T·B, in) gradient with respect to x, or null when nobody needs it.</param>
    public abstract void Backward(float* parameters, float* gradients, float* x, float* dOutput, float* dInput, int steps, int batch);

    public virtual void ResetState() => StateH.Clear();

    /// <summary>h of the step before t, or the carried/zero state at t = 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected float* PreviousH(int t, int batch, bool carryState) =>
        t > 0 ? Output.Pointer + (long)(t - 1) * batch * Hidden : carryState ? StateH.Pointer : null;

    protected void CheckShape(int steps, int batch)
    {
        if (steps < 1 || steps > MaxSteps || batch < 1 || batch > MaxBatch)
            throw new ArgumentOutOfRangeException(nameof(steps), $"Window ({steps} steps, {batch} sequences) exceeds the layer's capacity ({MaxSteps}, {MaxBatch}).");
    }

    protected void CheckBackward()
    {
        if (LastForwardCarried)
            throw new InvalidOperationException("Backward needs a forward pass from the zero state (training windows never carry state).");
    }

    /// <summary>The weight and input gradients every cell shares once the gate gradients dG (T·B, G·H) are known.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected void InputSideBackward(float* parameters, float* gradients, float* x, float* dGates, float* dInput, int rows)
    {
        // dWx = xᵀ·dG   (in, G·H)
        Gemm.Multiply(Input, GateWidth, rows, x, Input, true, dGates, GateWidth, false, gradients + Tensors.Wx.Offset, GateWidth, false);
        // dbx = Σ_rows dG   (G·H)
        Elementwise.ColumnSums(dGates, rows, GateWidth, GateWidth, gradients + Tensors.Bx.Offset);
        // dx = dG·Wxᵀ   (T·B, in)
        if (dInput != null)
            Gemm.Multiply(rows, Input, GateWidth, dGates, GateWidth, false, parameters + Tensors.Wx.Offset, GateWidth, true, dInput, Input, false);
    }

    /// <summary>dWh = h₀..h_{T−2} ᵀ · dG_1..dG_{T−1}: one product over all steps, (H, G·H).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected void RecurrentWeightBackward(float* gradients, float* dGatesH, int steps, int batch)
    {
        long shift = (long)batch;
        Gemm.Multiply(Hidden, GateWidth, (steps - 1) * batch, Output.Pointer, Hidden, true, dGatesH + shift * GateWidth, GateWidth, false,
            gradients + Tensors.Wh.Offset, GateWidth, false);
    }

    public static RecurrentLayer Create(CellKind cell, LayerTensors tensors, int input, int hidden, int maxSteps, int maxBatch) => cell switch
    {
        CellKind.Lstm => new LstmLayer(tensors, input, hidden, maxSteps, maxBatch),
        CellKind.Gru => new GruLayer(tensors, input, hidden, maxSteps, maxBatch),
        CellKind.Rnn => new RnnLayer(tensors, input, hidden, maxSteps, maxBatch),
        _ => throw new ArgumentOutOfRangeException(nameof(cell), cell, "Unknown cell kind."),
    };

    public virtual void Dispose()
    {
        Output.Dispose();
        StateH.Dispose();
        DhNext.Dispose();
        WhPacked.Dispose();
        WhTransposedPacked.Dispose();
        _projected?.Dispose();
    }
}
