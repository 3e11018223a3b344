using RnnCluster.Core.Model;

namespace RnnCluster.Interop.Onnx;

/// <summary>
/// The adaptive softmax as ONNX nodes that give full log-probabilities over the V tokens, the
/// same function as <c>AdaptiveSoftmaxOutput.Scores</c> and PyTorch's <c>log_prob</c>:
///
///   head = LogSoftmax(top·W + b)                               (batch, time, c₀ + K)
///   log_probs = Concat(head[…, :c₀],
///                      LogSoftmax((top·Pᵢ)·Wᵢ) + head[…, c₀+i]  for each cluster i)   (batch, time, V)
///
/// Every cluster is computed for every position: a consumer asks for any token's probability,
/// so unlike training nothing can be skipped.
/// </summary>
internal static class OnnxAdaptiveHead
{
    public const string Output = "log_probs";

    /// <summary>Adds the nodes reading <paramref name="top"/> (batch, time, H); returns the output's name.</summary>
    public static string Add(OnnxGraph g, ParameterLayout layout, ReadOnlySpan<float> parameters, string top)
    {
        var model = layout.Description;
        var softmax = model.Softmax;
        int h = model.Hidden, headSize = layout.OutputWeight.Cols, shortlist = softmax.Shortlist(model.VocabSize);
        string weight = g.Floats("head.head.weight_t", [h, headSize], Slice(parameters, layout.OutputWeight));
        string bias = g.Floats("head.head.bias", [headSize], Slice(parameters, layout.OutputBias));
        g.Node("MatMul", [top, weight], ["head.projected"]);
        g.Node("Add", ["head.projected", bias], ["head.logits"]);
        g.Node("LogSoftmax", ["head.logits"], ["head.log_probs"], OnnxGraph.Int("axis", -1));
        string axis2 = g.Int64s("axis2", 2);
        g.Node("Slice", ["head.log_probs", g.Int64s("shortlist.start", 0), g.Int64s("shortlist.end", shortlist), axis2], ["shortlist.log_probs"]);
        var parts = new List<string> { "shortlist.log_probs" };
        for (int i = 0; i < layout.Tails.Count; i++)
        {
            var tail = layout.Tails[i];
            string p = $"tail{i}";
            g.Node("Slice", ["head.log_probs", g.Int64s($"{p}.start", shortlist + i), g.Int64s($"{p}.end", shortlist + i + 1), axis2], [$"{p}.cluster_log_prob"]);
            string projection = g.Floats($"head.tail.{i}.proj", [h, tail.Projection.Cols], Slice(parameters, tail.Projection));
            string tailWeight = g.Floats($"head.tail.{i}.w", [tail.Weight.Rows, tail.Weight.Cols], Slice(parameters, tail.Weight));
            g.Node("MatMul", [top, projection], [$"{p}.projected"]);
            g.Node("MatMul", [$"{p}.projected", tailWeight], [$"{p}.logits"]);
            g.Node("LogSoftmax", [$"{p}.logits"], [$"{p}.log_softmax"], OnnxGraph.Int("axis", -1));
            // (batch, time, size) + (batch, time, 1): the cluster's log-probability broadcast over its tokens.
            g.Node("Add", [$"{p}.log_softmax", $"{p}.cluster_log_prob"], [$"{p}.log_probs"]);
            parts.Add($"{p}.log_probs");
        }
        g.Node("Concat", [.. parts], [Output], OnnxGraph.Int("axis", 2));
        return Output;
    }

    private static ReadOnlySpan<float> Slice(ReadOnlySpan<float> parameters, TensorSpec spec) => parameters.Slice(spec.Offset, spec.Size);
}
