using RnnCluster.Core.Model;
using RnnCluster.Core.Text;
using RnnCluster.Interop.PyTorch;
using RnnCluster.Interop.Safetensors;

namespace RnnCluster.Interop.Tests;

/// <summary>What the importer refuses, and that each refusal names what differs.</summary>
public sealed class SafetensorsImportTests
{
    private static SafetensorsFile Export(CellKind cell = CellKind.Lstm)
    {
        var t = TrainedModels.Get(cell, TokenizerKind.Char);
        return SafetensorsExport.Build(t.Model, t.Vocabulary, t.Parameters, "r", 3);
    }

    private static string Refusal(SafetensorsFile file, ImportOptions? options = null) =>
        Assert.Throws<InteropException>(() => SafetensorsImport.Read(file, options ?? new ImportOptions())).Message;

    private static SafetensorsFile Without(SafetensorsFile file, string name) => file with { Tensors = file.Tensors.Where(t => t.Name != name).ToList() };

    private static SafetensorsFile Replace(SafetensorsFile file, SafetensorsTensor tensor) =>
        file with { Tensors = file.Tensors.Select(t => t.Name == tensor.Name ? tensor : t).ToList() };

    private static SafetensorsFile WithMetadata(SafetensorsFile file, string key, string? value) =>
        file with { Metadata = file.Metadata.Where(m => m.Key != key).Concat(value is null ? [] : [new(key, value)]).ToList() };

    [Fact]
    public void A_missing_tensor_is_named() =>
        Assert.Equal("Tensor 'rnn.bias_hh_l1' is missing.", Refusal(Without(Export(), "rnn.bias_hh_l1")));

    [Fact]
    public void A_wrong_shape_is_named_with_the_expected_one()
    {
        var file = Export();
        var head = file.Find("head.bias")!;
        string message = Refusal(Replace(file, head with { Shape = [head.Data.Length - 1], Data = head.Data[1..] }));
        Assert.Contains($"Tensor 'head.bias' has shape [{head.Data.Length - 1}]", message);
        Assert.Contains($"needs [{head.Data.Length}]", message);
    }

    [Fact]
    public void An_unexpected_tensor_is_named()
    {
        var file = Export();
        var extra = file with { Tensors = [.. file.Tensors, new SafetensorsTensor("rnn.weight_ih_l0_reverse", [1], [0f])] };
        Assert.Contains("'rnn.weight_ih_l0_reverse' (bidirectional layers are not supported)", Refusal(extra));
    }

    [Fact]
    public void The_vocabulary_size_must_match_the_embedding()
    {
        var t = TrainedModels.Get(CellKind.Lstm, TokenizerKind.Char);
        var small = new Vocabulary(TokenizerKind.Char, t.Vocabulary.Tokens.Skip(1).ToList(), -1);
        Assert.Contains($"The vocabulary has {t.Vocabulary.Count - 1} tokens, but embedding.weight and head.weight have {t.Vocabulary.Count} rows", Refusal(Export(), new ImportOptions(small)));
    }

    [Fact]
    public void A_gate_order_other_than_pytorchs_is_refused() =>
        Assert.Contains("gate order 'i,o,f,c'; lstm weights must be in PyTorch's order i,f,g,o", Refusal(WithMetadata(Export(), "gate_order", "i,o,f,c")));

    [Fact]
    public void A_cell_that_contradicts_the_shapes_is_refused()
    {
        Assert.Contains("--cell says gru (3 gates), but rnn.weight_hh_l0 has 4 × 40 rows, the shape of lstm", Refusal(Export(), new ImportOptions(Cell: CellKind.Gru)));
        Assert.Contains("metadata says rnn (1 gates)", Refusal(WithMetadata(Export(), "cell", "rnn")));
    }

    [Fact]
    public void Sizes_in_the_metadata_must_match_the_tensors() =>
        Assert.Contains("metadata gives hidden 41, but the tensors have 40", Refusal(WithMetadata(Export(), "hidden", "41")));

    [Fact]
    public void Weights_without_a_vocabulary_need_one_given()
    {
        var bare = Export() with { Metadata = [] };
        Assert.Contains("pass --vocab FILE", Refusal(bare));
        var t = TrainedModels.Get(CellKind.Lstm, TokenizerKind.Char);
        var imported = SafetensorsImport.Read(bare, new ImportOptions(t.Vocabulary));
        Assert.Equal(t.Parameters, imported.Parameters);
        Assert.Equal((null, 0L), (imported.RunId, imported.Step));
    }

    [Fact]
    public void Pytorch_biases_are_summed_for_lstm_and_kept_apart_for_gru()
    {
        var file = Export();
        var bih = file.Find("rnn.bias_ih_l0")!;
        var bhh = file.Find("rnn.bias_hh_l0")!;
        var split = Replace(Replace(file, bih with { Data = bih.Data.Select(b => b - 0.25f).ToArray() }), bhh with { Data = bhh.Data.Select(_ => 0.25f).ToArray() });
        var imported = SafetensorsImport.Read(split, new ImportOptions());
        var layout = new ParameterLayout(imported.Model);
        var bx = imported.Parameters.AsSpan(layout.Layers[0].Bx.Offset, layout.Layers[0].Bx.Size).ToArray();
        Assert.Equal(bih.Data.Select(b => b - 0.25f + 0.25f), bx);

        var gru = Export(CellKind.Gru);
        var gruImported = SafetensorsImport.Read(gru, new ImportOptions());
        var gruLayout = new ParameterLayout(gruImported.Model);
        Assert.Equal(gru.Find("rnn.bias_hh_l1")!.Data, gruImported.Parameters.AsSpan(gruLayout.Layers[1].Bh!.Offset, gruLayout.Layers[1].Bh!.Size).ToArray());
    }

    [Fact]
    public void A_vocabulary_file_is_a_json_list_of_tokens()
    {
        var v = VocabularyJson.Parse("[\"a\",\"b\",\"\\n\"]", TokenizerKind.Char, null, "v");
        Assert.Equal(["a", "b", "\n"], v.Tokens);
        Assert.Contains("not a JSON list of strings", Assert.Throws<InteropException>(() => VocabularyJson.Parse("{\"a\":1}", TokenizerKind.Char, null, "v")).Message);
        Assert.Contains("not exactly one Unicode scalar", Assert.Throws<InteropException>(() => VocabularyJson.Parse("[\"ab\",\"c\"]", TokenizerKind.Char, null, "v")).Message);
        Assert.Equal(1, VocabularyJson.Parse("[\"the\",\"⁇\"]", TokenizerKind.Word, null, "v").UnknownId);
    }
}
