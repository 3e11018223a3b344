using Google.Protobuf;
using RnnCluster.Core.Model;
using RnnCluster.Core.Text;
using RnnCluster.Interop.Onnx.Proto;
using RnnCluster.Interop.PyTorch;
using DataType = RnnCluster.Interop.Onnx.Proto.TensorProto.Types.DataType;

namespace RnnCluster.Interop.Onnx;

/// <summary>
/// A model as an ONNX graph (opset 17) built from ONNX's own recurrent operators, so ONNX Runtime
/// runs it and can carry the state across calls for generation:
///
///   tokens (batch, time) int64, h0 (layers, batch, hidden) [, c0 for LSTM]
///   → Gather(embedding) → Transpose to time-major → per layer: LSTM|GRU|RNN (its slice of h0/c0)
///     → Squeeze the direction axis → … → Transpose → MatMul(head) + bias
///   → logits (batch, time, vocabulary), hn (layers, batch, hidden) [, cn]
///
/// ONNX orders the gate blocks differently from us and PyTorch: LSTM i, o, f, c (ours i, f, g, o;
/// c is our g) and GRU z, r, h (ours r, z, n), so each layer's W, R and B are regrouped by block.
/// Our GRU applies the reset gate after the recurrent product and its bias, which is ONNX's
/// <c>linear_before_reset = 1</c>. B is [Wb; Rb]: our x-side bias is Wb, and Rb is our GRU's
/// h-side bias, or zeros for LSTM and RNN (one bias per gate). Initial states are inputs: zeros
/// start a sequence, and hn/cn of one call continue it in the next. Dropout is a training-time
/// operation and is not part of the graph. An adaptive softmax replaces the head: the first
/// output is then <c>log_probs</c>, full log-probabilities over V (<see cref="OnnxAdaptiveHead"/>).
/// </summary>
public static class OnnxExport
{
    public const int Opset = 17;
    public const int IrVersion = 8;

    public static byte[] Serialize(ModelDescription model, Vocabulary vocabulary, ReadOnlySpan<float> parameters, string runId, long step) =>
        Build(model, vocabulary, parameters, runId, step).ToByteArray();

    internal static ModelProto Build(ModelDescription model, Vocabulary vocabulary, ReadOnlySpan<float> parameters, string runId, long step)
    {
        var layout = new ParameterLayout(model);
        if (parameters.Length != layout.TotalSize)
            throw new InteropException($"Expected {layout.TotalSize} parameters for {model}, got {parameters.Length}.");
        if (vocabulary.Count != model.VocabSize)
            throw new InteropException($"The vocabulary has {vocabulary.Count} tokens but the model predicts {model.VocabSize}.");
        bool lstm = model.Cell == CellKind.Lstm, adaptive = model.Softmax.IsAdaptive;
        string scores = adaptive ? "log_probs: (batch, time, vocabulary) next-token log-probabilities" : "logits: (batch, time, vocabulary) next-token logits";
        int v = model.VocabSize, e = model.Embed, h = model.Hidden, layers = model.Layers;
        var g = new OnnxGraph();
        g.Proto.Name = "rnncluster_language_model";
        g.Proto.DocString = "tokens: (batch, time) token ids; h0" + (lstm ? ", c0" : "") + ": (layers, batch, hidden) initial states, zeros to start. "
            + scores + "; hn" + (lstm ? ", cn" : "") + ": (layers, batch, hidden) final states, to pass as the next call's initial states.";
        g.Input("tokens", DataType.Int64, "batch", "time");
        g.Input("h0", DataType.Float, layers, "batch", h);
        if (lstm)
            g.Input("c0", DataType.Float, layers, "batch", h);

        string embedding = g.Floats("embedding.weight", [v, e], parameters.Slice(layout.Embedding.Offset, layout.Embedding.Size));
        g.Node("Gather", [embedding, "tokens"], ["embedded"], OnnxGraph.Int("axis", 0));
        g.Node("Transpose", ["embedded"], ["x0"], OnnxGraph.Ints("perm", 1, 0, 2));
        string axis0 = g.Int64s("axis0", 0), axis1 = g.Int64s("axis1", 1);
        var hn = new List<string>();
        var cn = new List<string>();
        string x = "x0";
        for (int l = 0; l < layers; l++)
        {
            var t = layout.Layers[l];
            int input = l == 0 ? e : h;
            string start = g.Int64s($"l{l}.start", l), end = g.Int64s($"l{l}.end", l + 1);
            g.Node("Slice", ["h0", start, end, axis0], [$"l{l}.h0"]);
            if (lstm)
                g.Node("Slice", ["c0", start, end, axis0], [$"l{l}.c0"]);
            var order = OnnxGateOrder(model.Cell);
            string w = g.Floats($"l{l}.W", [1, order.Length * h, input], Regroup(parameters.Slice(t.Wx.Offset, t.Wx.Size), input, h, order));
            string r = g.Floats($"l{l}.R", [1, order.Length * h, h], Regroup(parameters.Slice(t.Wh.Offset, t.Wh.Size), h, h, order));
            var bias = new float[2 * order.Length * h];
            Regroup(parameters.Slice(t.Bx.Offset, t.Bx.Size), 1, h, order).CopyTo(bias, 0);
            if (t.Bh is { } bh)
                Regroup(parameters.Slice(bh.Offset, bh.Size), 1, h, order).CopyTo(bias, order.Length * h);
            string b = g.Floats($"l{l}.B", [1, bias.Length], bias);
            string[] outputs = lstm ? [$"l{l}.y", $"l{l}.hn", $"l{l}.cn"] : [$"l{l}.y", $"l{l}.hn"];
            string[] inputs = lstm ? [x, w, r, b, "", $"l{l}.h0", $"l{l}.c0"] : [x, w, r, b, "", $"l{l}.h0"];
            var attributes = new List<Onnx.Proto.AttributeProto> { OnnxGraph.Int("hidden_size", h) };
            if (model.Cell == CellKind.Gru)
                attributes.Add(OnnxGraph.Int("linear_before_reset", 1));
            if (model.Cell == CellKind.Rnn)
                attributes.Add(OnnxGraph.Strings("activations", "Tanh"));
            g.Node(ExportMetadata.CellModule(model.Cell), inputs, outputs, [.. attributes]);
            // Y is (time, directions = 1, batch, hidden): drop the direction axis for the next layer.
            x = $"l{l}.out";
            g.Node("Squeeze", [$"l{l}.y", axis1], [x]);
            hn.Add($"l{l}.hn");
            cn.Add($"l{l}.cn");
        }
        g.Node("Transpose", [x], ["top"], OnnxGraph.Ints("perm", 1, 0, 2));
        string output = "logits";
        if (adaptive)
        {
            output = OnnxAdaptiveHead.Add(g, layout, parameters, "top");
        }
        else
        {
            string headWeight = g.Floats("head.weight_t", [h, v], parameters.Slice(layout.OutputWeight.Offset, layout.OutputWeight.Size));
            string headBias = g.Floats("head.bias", [v], parameters.Slice(layout.OutputBias.Offset, layout.OutputBias.Size));
            g.Node("MatMul", ["top", headWeight], ["projected"]);
            g.Node("Add", ["projected", headBias], ["logits"]);
        }
        g.Node("Concat", [.. hn], ["hn"], OnnxGraph.Int("axis", 0));
        g.Output(output, DataType.Float, "batch", "time", v);
        g.Output("hn", DataType.Float, layers, "batch", h);
        if (lstm)
        {
            g.Node("Concat", [.. cn], ["cn"], OnnxGraph.Int("axis", 0));
            g.Output("cn", DataType.Float, layers, "batch", h);
        }

        var proto = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "rnncluster",
            ProducerVersion = "1",
            Graph = g.Proto,
            DocString = $"RnnCluster {model} (run {runId}, step {step}): next-token {(adaptive ? "log-probabilities" : "logits")} with carried recurrent state.",
        };
        proto.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        foreach (var (key, value) in ExportMetadata.For(model, vocabulary, runId, step))
            proto.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        return proto;
    }

    /// <summary>For each of ONNX's gate blocks, the index of our gate block it holds.</summary>
    public static int[] OnnxGateOrder(CellKind cell) => cell switch
    {
        CellKind.Lstm => [0, 3, 1, 2], // ONNX i, o, f, c  ←  ours i, f, g, o
        CellKind.Gru => [1, 0, 2],     // ONNX z, r, h     ←  ours r, z, n
        CellKind.Rnn => [0],
        _ => throw new ArgumentOutOfRangeException(nameof(cell)),
    };

    /// <summary>
    /// Our (rows, G·H) row-major weight (or a (1, G·H) bias) as ONNX's (G·H, rows): transposed,
    /// with the gate blocks in ONNX's order.
    /// </summary>
    private static float[] Regroup(ReadOnlySpan<float> ours, int rows, int hidden, int[] order)
    {
        int gh = order.Length * hidden;
        var result = new float[ours.Length];
        for (int k = 0; k < order.Length; k++)
            for (int j = 0; j < hidden; j++)
            {
                int column = order[k] * hidden + j;
                long target = (long)(k * hidden + j) * rows;
                for (int c = 0; c < rows; c++)
                    result[target + c] = ours[c * gh + column];
            }
        return result;
    }
}
