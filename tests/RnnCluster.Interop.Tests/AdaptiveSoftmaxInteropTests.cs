using RnnCluster.Core.Model;
using RnnCluster.Core.Text;
using RnnCluster.Interop.Onnx;
using RnnCluster.Interop.PyTorch;
using RnnCluster.Interop.Safetensors;
using Xunit.Abstractions;

namespace RnnCluster.Interop.Tests;

/// <summary>
/// Adaptive-softmax models (word level, cutoffs 60,200) through every export: the safetensors
/// state_dict of PyTorch's AdaptiveLogSoftmaxWithLoss and its metadata, export → import → export,
/// PyTorch's log_prob recomputed from the exported tensors against our scores, ONNX Runtime's
/// <c>log_probs</c> against our scores, and the importer's refusals for adaptive heads.
/// </summary>
public sealed class AdaptiveSoftmaxInteropTests(ITestOutputHelper output)
{
    private const float Tolerance = 1e-4f;

    public static TheoryData<CellKind> Cells() => new() { CellKind.Lstm, CellKind.Gru, CellKind.Rnn };

    private static SafetensorsFile Export(TrainedModels.Trained t) => SafetensorsExport.Build(t.Model, t.Vocabulary, t.Parameters, "adaptive", 150);

    private static string Refusal(SafetensorsFile file) =>
        Assert.Throws<InteropException>(() => SafetensorsImport.Read(file, new ImportOptions())).Message;

    private static SafetensorsFile Replace(SafetensorsFile file, SafetensorsTensor tensor) =>
        file with { Tensors = file.Tensors.Select(t => t.Name == tensor.Name ? tensor : t).ToList() };

    private static SafetensorsFile WithMetadata(SafetensorsFile file, string key, string value) =>
        file with { Metadata = file.Metadata.Select(m => m.Key == key ? new KeyValuePair<string, string>(key, value) : m).ToList() };

    [Theory]
    [MemberData(nameof(Cells))]
    public void Export_import_export_gives_identical_bytes_and_parameters(CellKind cell)
    {
        var t = TrainedModels.GetAdaptive(cell);
        var first = SafetensorsExport.Serialize(t.Model, t.Vocabulary, t.Parameters, "adaptive", 150);
        var imported = SafetensorsImport.Read(SafetensorsReader.Read(first), new ImportOptions());
        Assert.Equal(t.Model, imported.Model);
        Assert.Equal(TrainedModels.AdaptiveCutoffs, imported.Model.Softmax);
        Assert.Equal(t.Parameters.Select(BitConverter.SingleToInt32Bits), imported.Parameters.Select(BitConverter.SingleToInt32Bits));
        Assert.Equal(first, SafetensorsExport.Serialize(imported.Model, imported.Vocabulary, imported.Parameters, imported.RunId!, imported.Step));
    }

    [Fact]
    public void The_state_dict_is_adaptive_log_softmax_with_losss_and_the_metadata_carries_cutoffs_and_div_value()
    {
        var t = TrainedModels.GetAdaptive(CellKind.Lstm);
        var file = Export(t);
        int h = t.Model.Hidden;
        Assert.Equal(
        [
            ("head.head.weight", $"[62, {h}]"), ("head.head.bias", "[62]"),
            ("head.tail.0.0.weight", $"[10, {h}]"), ("head.tail.0.1.weight", "[140, 10]"),
            ("head.tail.1.0.weight", $"[2, {h}]"), ("head.tail.1.1.weight", $"[{t.Model.VocabSize - 200}, 2]"),
        ], file.Tensors.SkipWhile(x => !x.Name.StartsWith("head.", StringComparison.Ordinal)).Select(x => (x.Name, x.ShapeText)));
        Assert.Null(file.Find("head.weight"));
        Assert.Equal("60,200", file.MetadataValue("cutoffs"));
        Assert.Equal("4.0", file.MetadataValue("div_value"));
        Assert.Equal("Embedding -> LSTM -> AdaptiveLogSoftmaxWithLoss", file.MetadataValue("architecture"));

        // PyTorch's Linear stores (out, in): head.head.weight[j, k] is our out.w[k, j].
        var layout = new ParameterLayout(t.Model);
        var head = file.Find("head.head.weight")!;
        Assert.Equal(t.Parameters[layout.OutputWeight.Offset + 3 * layout.OutputWeight.Cols + 61], head.Data[61 * h + 3]);
        var tail = file.Find("head.tail.0.1.weight")!;
        Assert.Equal(t.Parameters[layout.Tails[0].Weight.Offset + 7 * 140 + 139], tail.Data[139 * 10 + 7]);
    }

    [Fact]
    public void A_full_softmax_export_keeps_its_linear_head_and_no_adaptive_metadata()
    {
        var t = TrainedModels.Get(CellKind.Gru, TokenizerKind.Word);
        var file = SafetensorsExport.Build(t.Model, t.Vocabulary, t.Parameters, "full", 1);
        Assert.Equal(["head.weight", "head.bias"], file.Tensors.TakeLast(2).Select(x => x.Name));
        Assert.Null(file.MetadataValue("cutoffs"));
        Assert.Null(file.MetadataValue("div_value"));
        Assert.Equal("Embedding -> GRU -> Linear", file.MetadataValue("architecture"));
        Assert.Equal(["logits", "hn"], OnnxExport.Build(t.Model, t.Vocabulary, t.Parameters, "full", 1).Graph.Output.Select(o => o.Name));
    }

    [Theory]
    [MemberData(nameof(Cells))]
    public void Pytorchs_log_prob_over_the_exported_tensors_reproduces_our_scores(CellKind cell)
    {
        var t = TrainedModels.GetAdaptive(cell);
        var file = SafetensorsReader.Read(SafetensorsExport.Serialize(t.Model, t.Vocabulary, t.Parameters, "r", 1));
        // The constructor's cutoffs as the PyTorch snippet passes them, read back from the metadata.
        var cutoffs = file.MetadataValue("cutoffs")!.Split(',').Select(int.Parse).ToList();
        var torch = new TorchReference(file, t.Model);
        using var ours = new RecurrentLanguageModel(t.Model, maxBatch: 1, maxSteps: 1);
        ours.LoadParameters(t.Parameters);
        var expected = new float[t.Model.VocabSize];
        double worst = 0;
        for (int s = 0; s < 40; s++)
        {
            ours.NextLogits([t.Tokens[s]], expected);
            var logProb = TorchReference.AdaptiveLogProb(file, cutoffs, t.Model.VocabSize, torch.Top(t.Tokens[s]));
            Assert.Equal(1.0, logProb.Sum(Math.Exp), 1e-9);
            for (int j = 0; j < expected.Length; j++)
                worst = Math.Max(worst, Math.Abs(expected[j] - logProb[j]));
        }
        output.WriteLine($"{cell}: max |log p(PyTorch formula) − ours| over 40 steps = {worst:E2}");
        Assert.True(worst < Tolerance, $"max |difference| {worst:E2}");
    }

    [Theory]
    [MemberData(nameof(Cells))]
    public void Onnx_runtimes_log_probs_match_ours_step_by_step_and_for_a_whole_window(CellKind cell)
    {
        var t = TrainedModels.GetAdaptive(cell);
        using var onnx = Session(t);
        using var ours = new RecurrentLanguageModel(t.Model, maxBatch: 2, maxSteps: 1);
        ours.LoadParameters(t.Parameters);
        int v = t.Model.VocabSize, steps = 30, offset = t.Tokens.Length / 2;
        var ids = new long[2 * steps];
        for (int i = 0; i < steps; i++)
            (ids[i], ids[steps + i]) = (t.Tokens[i], t.Tokens[offset + i]);
        var (window, _, _) = onnx.Run(ids, batch: 2, steps, onnx.ZeroState(2), onnx.ZeroState(2));
        float[] h = onnx.ZeroState(2), c = onnx.ZeroState(2);
        var expected = new float[2 * v];
        float worst = 0;
        for (int s = 0; s < steps; s++)
        {
            ours.NextLogits([(int)ids[s], (int)ids[steps + s]], expected);
            (var logProbs, h, c) = onnx.Run([ids[s], ids[steps + s]], batch: 2, time: 1, h, c);
            worst = Math.Max(worst, MaxDifference(expected, logProbs));
            for (int b = 0; b < 2; b++)
            {
                worst = Math.Max(worst, MaxDifference(expected.AsSpan(b * v, v), window.AsSpan((b * steps + s) * v, v)));
                Assert.Equal(1.0, logProbs.Skip(b * v).Take(v).Sum(x => Math.Exp(x)), 1e-4);
            }
        }
        output.WriteLine($"{cell}: max |log p(ONNX Runtime) − ours| over {steps} steps × 2 sequences = {worst:E2}");
        Assert.True(worst < Tolerance, $"max |difference| {worst:E2} ≥ {Tolerance:E0}");
    }

    [Fact]
    public void The_onnx_graph_puts_log_probs_first_and_carries_the_cutoffs()
    {
        var t = TrainedModels.GetAdaptive(CellKind.Lstm);
        using (var onnx = Session(t))
            Assert.Equal(["log_probs", "hn", "cn"], onnx.OutputNames);
        var proto = OnnxExport.Build(t.Model, t.Vocabulary, t.Parameters, "r", 1);
        Assert.Equal("60,200", proto.MetadataProps.Single(p => p.Key == "cutoffs").Value);
        Assert.Equal([t.Model.VocabSize], proto.Graph.Output[0].Type.TensorType.Shape.Dim.Skip(2).Select(d => d.DimValue));
    }

    [Fact]
    public void The_pytorch_snippet_builds_adaptive_log_softmax_with_loss_with_our_cutoffs()
    {
        var t = TrainedModels.GetAdaptive(CellKind.Gru);
        string snippet = PyTorchSnippet.For(t.Model, "m.safetensors");
        Assert.Contains($"self.head = torch.nn.AdaptiveLogSoftmaxWithLoss(40, {t.Model.VocabSize}, cutoffs=[60, 200], div_value=4.0, head_bias=True)", snippet, StringComparison.Ordinal);
        Assert.Contains("return self.head.log_prob(y.reshape(-1, y.size(-1))).reshape(y.size(0), y.size(1), -1), state", snippet, StringComparison.Ordinal);
        Assert.Contains("model.head.predict(", snippet, StringComparison.Ordinal);
        Assert.DoesNotContain("torch.nn.Linear", snippet, StringComparison.Ordinal);
        Assert.Contains("for t in \"The \"]]", snippet, StringComparison.Ordinal);
        Assert.Contains("for t in [\"The\", \" \"]]]", PyTorchSnippet.For(t.Model, "m.safetensors", words: true), StringComparison.Ordinal); // words, not characters
    }

    [Fact]
    public void A_file_without_the_head_bias_imports_with_a_zero_bias()
    {
        var t = TrainedModels.GetAdaptive(CellKind.Lstm);
        var file = Export(t);
        var imported = SafetensorsImport.Read(file with { Tensors = file.Tensors.Where(x => x.Name != "head.head.bias").ToList() }, new ImportOptions());
        var layout = new ParameterLayout(imported.Model);
        var bias = layout.OutputBias;
        Assert.All(imported.Parameters.AsSpan(bias.Offset, bias.Size).ToArray(), b => Assert.Equal(0f, b));
        Assert.Equal(t.Parameters.AsSpan(0, bias.Offset).ToArray(), imported.Parameters.AsSpan(0, bias.Offset).ToArray());
        Assert.Equal(t.Parameters.AsSpan(bias.Offset + bias.Size).ToArray(), imported.Parameters.AsSpan(bias.Offset + bias.Size).ToArray());
    }

    [Fact]
    public void Metadata_cutoffs_that_contradict_the_tensors_are_refused() =>
        Assert.Equal("The file's metadata gives cutoffs '60,210', but head.head.weight and the tail tensors imply 60,200.",
            Refusal(WithMetadata(Export(TrainedModels.GetAdaptive(CellKind.Lstm)), "cutoffs", "60,210")));

    [Fact]
    public void A_div_value_other_than_4_is_refused() =>
        Assert.Contains("div_value '2.0'",
            Refusal(WithMetadata(Export(TrainedModels.GetAdaptive(CellKind.Gru)), "div_value", "2.0")), StringComparison.Ordinal);

    [Fact]
    public void A_tail_projection_of_the_wrong_width_is_named_with_the_expected_shape()
    {
        var file = Export(TrainedModels.GetAdaptive(CellKind.Lstm));
        var projection = file.Find("head.tail.1.0.weight")!;
        var wide = projection with { Shape = [3, 40], Data = new float[120] };
        string message = Refusal(Replace(file, wide));
        Assert.Contains("Tensor 'head.tail.1.0.weight' has shape [3, 40]", message, StringComparison.Ordinal);
        Assert.Contains("needs [2, 40]", message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_tail_tensor_is_named()
    {
        var file = Export(TrainedModels.GetAdaptive(CellKind.Lstm));
        Assert.Equal("Tensor 'head.tail.0.0.weight' is missing.", Refusal(file with { Tensors = file.Tensors.Where(x => x.Name != "head.tail.0.0.weight").ToList() }));
    }

    [Fact]
    public void A_linear_head_next_to_an_adaptive_one_is_unexpected()
    {
        var file = Export(TrainedModels.GetAdaptive(CellKind.Lstm));
        var mixed = file with { Tensors = [.. file.Tensors, new SafetensorsTensor("head.weight", [1], [0f])] };
        Assert.Contains("Unexpected tensor 'head.weight' (expected", Refusal(mixed), StringComparison.Ordinal);
    }

    private static OnnxSession Session(TrainedModels.Trained t) =>
        new(OnnxExport.Serialize(t.Model, t.Vocabulary, t.Parameters, "test", 150), t.Model.Layers, t.Model.Hidden, t.Model.Cell == CellKind.Lstm);

    private static float MaxDifference(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        Assert.Equal(a.Length, b.Length);
        float worst = 0;
        for (int i = 0; i < a.Length; i++)
            worst = Math.Max(worst, Math.Abs(a[i] - b[i]));
        return worst;
    }
}
