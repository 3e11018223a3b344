using RnnCluster.Core.Model;
using RnnCluster.Core.Text;
using RnnCluster.Interop.PyTorch;
using RnnCluster.Interop.Safetensors;

namespace RnnCluster.Interop.Tests;

/// <summary>
/// The safetensors export in PyTorch's layout: export → import → export gives the same bytes, and
/// the imported tensors, run through PyTorch's own cell equations (written out here in double, in
/// PyTorch's gate order), give our model's logits.
/// </summary>
public sealed class PyTorchLayoutTests
{
    public static TheoryData<CellKind, TokenizerKind> Models() => OnnxRuntimeParityTests.Models();

    [Theory]
    [MemberData(nameof(Models))]
    public void Export_import_export_gives_identical_bytes_and_parameters(CellKind cell, TokenizerKind tokens)
    {
        var t = TrainedModels.Get(cell, tokens);
        var first = SafetensorsExport.Serialize(t.Model, t.Vocabulary, t.Parameters, "run-a", 150);
        var imported = SafetensorsImport.Read(SafetensorsReader.Read(first), new ImportOptions());
        Assert.Equal(t.Model, imported.Model);
        Assert.Equal(t.Vocabulary, imported.Vocabulary);
        Assert.Equal(("run-a", 150L), (imported.RunId, imported.Step));
        Assert.Equal(t.Parameters.Select(BitConverter.SingleToInt32Bits), imported.Parameters.Select(BitConverter.SingleToInt32Bits));
        var second = SafetensorsExport.Serialize(imported.Model, imported.Vocabulary, imported.Parameters, imported.RunId!, imported.Step);
        Assert.Equal(first, second);
    }

    [Fact]
    public void The_state_dict_has_pytorchs_names_and_shapes()
    {
        var t = TrainedModels.Get(CellKind.Lstm, TokenizerKind.Char);
        var file = SafetensorsExport.Build(t.Model, t.Vocabulary, t.Parameters, "r", 1);
        int v = t.Model.VocabSize, e = t.Model.Embed, h = t.Model.Hidden;
        Assert.Equal(
        [
            ("embedding.weight", $"[{v}, {e}]"),
            ("rnn.weight_ih_l0", $"[{4 * h}, {e}]"), ("rnn.weight_hh_l0", $"[{4 * h}, {h}]"), ("rnn.bias_ih_l0", $"[{4 * h}]"), ("rnn.bias_hh_l0", $"[{4 * h}]"),
            ("rnn.weight_ih_l1", $"[{4 * h}, {h}]"), ("rnn.weight_hh_l1", $"[{4 * h}, {h}]"), ("rnn.bias_ih_l1", $"[{4 * h}]"), ("rnn.bias_hh_l1", $"[{4 * h}]"),
            ("head.weight", $"[{v}, {h}]"), ("head.bias", $"[{v}]"),
        ], file.Tensors.Select(x => (x.Name, x.ShapeText)));
        Assert.All(file.Find("rnn.bias_hh_l0")!.Data, b => Assert.Equal(0f, b));
        Assert.Equal("i,f,g,o", file.MetadataValue("gate_order"));
        Assert.Equal(VocabularyJson.Serialize(t.Vocabulary), file.MetadataValue("vocabulary"));
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Pytorchs_cell_equations_over_the_imported_tensors_reproduce_our_forward_pass(CellKind cell, TokenizerKind tokens)
    {
        var t = TrainedModels.Get(cell, tokens);
        var file = SafetensorsReader.Read(SafetensorsExport.Serialize(t.Model, t.Vocabulary, t.Parameters, "r", 1));
        var torch = new TorchReference(file, t.Model);
        using var ours = new RecurrentLanguageModel(t.Model, maxBatch: 1, maxSteps: 1);
        ours.LoadParameters(t.Parameters);
        var expected = new float[t.Model.VocabSize];
        double worst = 0;
        for (int s = 0; s < 40; s++)
        {
            ours.NextLogits([t.Tokens[s]], expected);
            var logits = torch.Step(t.Tokens[s]);
            for (int j = 0; j < expected.Length; j++)
                worst = Math.Max(worst, Math.Abs(expected[j] - logits[j]));
        }
        Assert.True(worst < 1e-4, $"max |difference| {worst:E2}");
    }
}
