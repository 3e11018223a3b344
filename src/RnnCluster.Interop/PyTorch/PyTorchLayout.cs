using RnnCluster.Core.Model;
using RnnCluster.Interop.Safetensors;

namespace RnnCluster.Interop.PyTorch;

/// <summary>
/// Our flat parameter buffer as PyTorch's <c>state_dict</c> of
/// <c>Embedding(V, E) → nn.LSTM|GRU|RNN(E, H, num_layers=L) → Linear(H, V)</c>, and back.
///
/// | ours (row-major)      | PyTorch                   | relation                                   |
/// |-----------------------|---------------------------|--------------------------------------------|
/// | embedding (V, E)      | embedding.weight (V, E)   | same                                       |
/// | l{k}.wx (in, G·H)     | rnn.weight_ih_l{k} (G·H, in) | transposed; gate blocks in the same order |
/// | l{k}.wh (H, G·H)      | rnn.weight_hh_l{k} (G·H, H)  | transposed                               |
/// | l{k}.bx (G·H)         | rnn.bias_ih_l{k} (G·H)    | same                                       |
/// | l{k}.bh (G·H), GRU    | rnn.bias_hh_l{k} (G·H)    | same; LSTM and RNN have no bh: zeros out, summed into bx in |
/// | out.w (H, V)          | head.weight (V, H)        | transposed                                 |
/// | out.b (V)             | head.bias (V)             | same                                       |
///
/// The gate orders already agree: our LSTM is i, f, g, o and our GRU r, z, n with the reset gate
/// applied to (W_hn·h + b_hn) as PyTorch does (<c>GruKernels</c>), so no block is moved. LSTM and
/// plain RNN keep one bias per gate (x-side); PyTorch adds b_ih and b_hh, so the export writes ours
/// as b_ih with b_hh = 0 (the same function), and an import sums them (one float rounding per
/// element, exact when b_hh is 0). An adaptive softmax replaces head.weight and head.bias with
/// the tensors of <see cref="AdaptiveSoftmaxLayout"/>.
/// </summary>
public static class PyTorchLayout
{
    public const string Embedding = "embedding.weight";
    public const string HeadWeight = "head.weight";
    public const string HeadBias = "head.bias";

    public static string WeightIh(int layer) => $"rnn.weight_ih_l{layer}";
    public static string WeightHh(int layer) => $"rnn.weight_hh_l{layer}";
    public static string BiasIh(int layer) => $"rnn.bias_ih_l{layer}";
    public static string BiasHh(int layer) => $"rnn.bias_hh_l{layer}";

    /// <summary>The gate blocks of the G·H rows, in PyTorch's (and our) order.</summary>
    public static string GateOrder(CellKind cell) => cell switch
    {
        CellKind.Lstm => "i,f,g,o",
        CellKind.Gru => "r,z,n",
        CellKind.Rnn => "tanh",
        _ => throw new ArgumentOutOfRangeException(nameof(cell)),
    };

    /// <summary>The state_dict in PyTorch's own order (embedding, rnn by layer, head).</summary>
    public static List<SafetensorsTensor> ToStateDict(ModelDescription model, ReadOnlySpan<float> parameters)
    {
        var layout = new ParameterLayout(model);
        if (parameters.Length != layout.TotalSize)
            throw new InteropException($"Expected {layout.TotalSize} parameters for {model}, got {parameters.Length}.");
        int v = model.VocabSize, e = model.Embed, h = model.Hidden, gh = model.Gates * h;
        var tensors = new List<SafetensorsTensor>
        {
            new(Embedding, [v, e], Slice(parameters, layout.Embedding).ToArray()),
        };
        for (int l = 0; l < model.Layers; l++)
        {
            var t = layout.Layers[l];
            int input = l == 0 ? e : h;
            tensors.Add(new(WeightIh(l), [gh, input], Transpose(Slice(parameters, t.Wx), input, gh)));
            tensors.Add(new(WeightHh(l), [gh, h], Transpose(Slice(parameters, t.Wh), h, gh)));
            tensors.Add(new(BiasIh(l), [gh], Slice(parameters, t.Bx).ToArray()));
            tensors.Add(new(BiasHh(l), [gh], t.Bh is null ? new float[gh] : Slice(parameters, t.Bh).ToArray()));
        }
        if (model.Softmax.IsAdaptive)
        {
            AdaptiveSoftmaxLayout.AddTensors(tensors, layout, parameters);
            return tensors;
        }
        tensors.Add(new(HeadWeight, [v, h], Transpose(Slice(parameters, layout.OutputWeight), h, v)));
        tensors.Add(new(HeadBias, [v], Slice(parameters, layout.OutputBias).ToArray()));
        return tensors;
    }

    /// <summary>
    /// The flat buffer of <paramref name="model"/> from a state_dict whose names and shapes were
    /// checked (<see cref="StateDictCheck"/>).
    /// </summary>
    public static float[] FromStateDict(ModelDescription model, Func<string, SafetensorsTensor?> tensor)
    {
        var layout = new ParameterLayout(model);
        var parameters = new float[layout.TotalSize];
        int v = model.VocabSize, e = model.Embed, h = model.Hidden, gh = model.Gates * h;
        tensor(Embedding)!.Data.CopyTo(Target(parameters, layout.Embedding));
        for (int l = 0; l < model.Layers; l++)
        {
            var t = layout.Layers[l];
            int input = l == 0 ? e : h;
            Transpose(tensor(WeightIh(l))!.Data, gh, input).CopyTo(Target(parameters, t.Wx));
            Transpose(tensor(WeightHh(l))!.Data, gh, h).CopyTo(Target(parameters, t.Wh));
            float[] bih = tensor(BiasIh(l))!.Data, bhh = tensor(BiasHh(l))!.Data;
            var bx = Target(parameters, t.Bx);
            if (t.Bh is { } bhSpec)
            {
                bih.CopyTo(bx);
                bhh.CopyTo(Target(parameters, bhSpec));
            }
            else
            {
                // A zero b_hh (ours exported) leaves b_ih's bits as they are, −0 included.
                for (int i = 0; i < gh; i++)
                    bx[i] = bhh[i] == 0f ? bih[i] : bih[i] + bhh[i];
            }
        }
        if (model.Softmax.IsAdaptive)
        {
            AdaptiveSoftmaxLayout.ReadTensors(parameters, layout, tensor);
            return parameters;
        }
        Transpose(tensor(HeadWeight)!.Data, v, h).CopyTo(Target(parameters, layout.OutputWeight));
        tensor(HeadBias)!.Data.CopyTo(Target(parameters, layout.OutputBias));
        return parameters;
    }

    private static ReadOnlySpan<float> Slice(ReadOnlySpan<float> parameters, TensorSpec spec) => parameters.Slice(spec.Offset, spec.Size);

    private static Span<float> Target(float[] parameters, TensorSpec spec) => parameters.AsSpan(spec.Offset, spec.Size);

    /// <summary>(rows, cols) row-major → (cols, rows) row-major.</summary>
    internal static float[] Transpose(ReadOnlySpan<float> source, int rows, int cols)
    {
        var result = new float[source.Length];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
                result[(long)c * rows + r] = source[r * cols + c];
        return result;
    }
}
