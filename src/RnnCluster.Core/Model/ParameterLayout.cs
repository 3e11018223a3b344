namespace RnnCluster.Core.Model;

/// <summary>
/// The order and shapes of all parameters inside the ONE flat buffer of a model (llm.c's
/// ParameterTensors). The same layout views the gradient buffer, the optimizer moments and a
/// checkpoint, so each of them is a single span. Tensors are packed back to back, no padding.
///
/// Order (LayoutVersion 2), G = gates of the cell (LSTM 4: i,f,g,o; GRU 3: r,z,n; RNN 1):
///   embedding                 (V, E)
///   per layer l, in = E for l = 0 else H:
///     l{l}.wx                 (in, G·H)
///     l{l}.wh                 (H, G·H)
///     l{l}.bx                 (1, G·H)
///     l{l}.bh                 (1, G·H)     GRU only: the hidden bias sits inside r⊙(·)
///   out.w                     (H, V)       adaptive softmax: (H, c₀ + K), the head
///   out.b                     (1, V)       adaptive softmax: (1, c₀ + K)
///   adaptive softmax only, per cluster i with d = H / 4^(i+1) (<see cref="SoftmaxHead"/>):
///     out.tail{i}.proj        (H, d)
///     out.tail{i}.w           (d, cᵢ₊₁ − cᵢ)
/// Version 1 is version 2 with the full softmax; its checkpoints are written as version 1.
/// </summary>
public sealed class ParameterLayout
{
    private readonly Dictionary<string, TensorSpec> _byName;

    public ParameterLayout(ModelDescription description)
    {
        description.Validate();
        Description = description;
        var tensors = new List<TensorSpec>();
        int offset = 0;
        TensorSpec Add(string name, int rows, int cols)
        {
            checked
            {
                var spec = new TensorSpec(name, offset, rows, cols);
                offset += rows * cols;
                tensors.Add(spec);
                return spec;
            }
        }

        int g = description.Gates * description.Hidden;
        Embedding = Add("embedding", description.VocabSize, description.Embed);
        var layers = new LayerTensors[description.Layers];
        for (int l = 0; l < description.Layers; l++)
        {
            int input = l == 0 ? description.Embed : description.Hidden;
            var wx = Add($"l{l}.wx", input, g);
            var wh = Add($"l{l}.wh", description.Hidden, g);
            var bx = Add($"l{l}.bx", 1, g);
            var bh = description.Cell == CellKind.Gru ? Add($"l{l}.bh", 1, g) : null;
            layers[l] = new LayerTensors(wx, wh, bx, bh);
        }
        Layers = layers;
        var softmax = description.Softmax;
        int head = softmax.HeadSize(description.VocabSize);
        OutputWeight = Add("out.w", description.Hidden, head);
        OutputBias = Add("out.b", 1, head);
        var tails = new TailTensors[softmax.Clusters];
        for (int i = 0; i < tails.Length; i++)
        {
            int d = SoftmaxHead.ProjectionSize(description.Hidden, i);
            int size = softmax.ClusterEnd(i, description.VocabSize) - softmax.ClusterStart(i);
            tails[i] = new TailTensors(Add($"out.tail{i}.proj", description.Hidden, d), Add($"out.tail{i}.w", d, size));
        }
        Tails = tails;
        Tensors = tensors;
        TotalSize = offset;
        _byName = tensors.ToDictionary(t => t.Name);
    }

    public ModelDescription Description { get; }

    public IReadOnlyList<TensorSpec> Tensors { get; }

    public int TotalSize { get; }

    public TensorSpec Embedding { get; }

    public IReadOnlyList<LayerTensors> Layers { get; }

    public TensorSpec OutputWeight { get; }

    public TensorSpec OutputBias { get; }

    /// <summary>The adaptive softmax's clusters, in order (empty for the full softmax).</summary>
    public IReadOnlyList<TailTensors> Tails { get; }

    public TensorSpec this[string name] =>
        _byName.TryGetValue(name, out var spec) ? spec : throw new KeyNotFoundException($"No parameter tensor named '{name}'.");

    /// <summary>
    /// Weights that take part in matrix products, per token (the FLOP count is 6× this). With the
    /// adaptive softmax a token passes one cluster at most; this counts all of them, an upper bound.
    /// </summary>
    public long MatmulWeightsPerToken
    {
        get
        {
            long sum = OutputWeight.Size;
            foreach (var tail in Tails)
                sum += tail.Projection.Size + tail.Weight.Size;
            foreach (var layer in Layers)
                sum += layer.Wx.Size + layer.Wh.Size;
            return sum;
        }
    }
}
