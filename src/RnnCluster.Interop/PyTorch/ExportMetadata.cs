using System.Globalization;
using RnnCluster.Core.Model;
using RnnCluster.Core.Text;

namespace RnnCluster.Interop.PyTorch;

/// <summary>
/// The <c>__metadata__</c> of a safetensors export (and the <c>metadata_props</c> of an ONNX
/// export): strings only, as the format demands, in a fixed order so that equal models give
/// equal bytes. It carries what the weights alone do not say — the vocabulary, the tokenizer and
/// the gate order — and what identifies them: the run and step they come from.
/// </summary>
public static class ExportMetadata
{
    public const string FormatKey = "format";
    public const string FormatValue = "rnncluster-pytorch-v1";
    public const string Architecture = "architecture";
    public const string Cell = "cell";
    public const string GateOrder = "gate_order";
    public const string BiasHh = "bias_hh";
    public const string Tokenizer = "tokenizer";
    public const string VocabSize = "vocab_size";
    public const string Embed = "embed";
    public const string Hidden = "hidden";
    public const string Layers = "layers";
    public const string Dropout = "dropout";
    public const string Cutoffs = "cutoffs";
    public const string DivValue = "div_value";
    public const string UnknownId = "unknown_id";
    public const string Run = "run";
    public const string Step = "step";
    public const string VocabularyKey = "vocabulary";

    public static List<KeyValuePair<string, string>> For(ModelDescription model, Vocabulary vocabulary, string runId, long step)
    {
        string cell = CellName(model.Cell);
        string output = model.Softmax.IsAdaptive ? "AdaptiveLogSoftmaxWithLoss" : "Linear";
        List<KeyValuePair<string, string>> metadata =
        [
            new(FormatKey, FormatValue),
            new(Architecture, $"Embedding -> {CellModule(model.Cell)} -> {output}"),
            new(Cell, cell),
            new(GateOrder, PyTorchLayout.GateOrder(model.Cell)),
            new(BiasHh, model.Cell == CellKind.Gru ? "trained" : "zeros (one bias per gate, exported as bias_ih; an import sums bias_ih and bias_hh)"),
            new(Tokenizer, vocabulary.Kind == TokenizerKind.Char ? "char" : "word"),
            new(VocabSize, Text(model.VocabSize)),
            new(Embed, Text(model.Embed)),
            new(Hidden, Text(model.Hidden)),
            new(Layers, Text(model.Layers)),
            new(Dropout, model.Dropout.ToString("R", CultureInfo.InvariantCulture)),
        ];
        // Only adaptive models carry these keys, so that full-softmax exports keep their bytes.
        if (model.Softmax.IsAdaptive)
        {
            metadata.Add(new(Cutoffs, AdaptiveSoftmaxLayout.CutoffsText(model.Softmax)));
            metadata.Add(new(DivValue, AdaptiveSoftmaxLayout.DivValue));
        }
        metadata.AddRange(
        [
            new(UnknownId, Text(vocabulary.UnknownId)),
            new(Run, runId),
            new(Step, step.ToString(CultureInfo.InvariantCulture)),
            new(VocabularyKey, VocabularyJson.Serialize(vocabulary)),
        ]);
        return metadata;
    }

    public static string CellName(CellKind cell) => cell.ToString().ToLowerInvariant();

    /// <summary>The torch.nn module of the cell.</summary>
    public static string CellModule(CellKind cell) => cell switch
    {
        CellKind.Lstm => "LSTM",
        CellKind.Gru => "GRU",
        CellKind.Rnn => "RNN",
        _ => throw new ArgumentOutOfRangeException(nameof(cell)),
    };

    public static CellKind? ParseCell(string? text) => text?.ToLowerInvariant() switch
    {
        null => null,
        "lstm" => CellKind.Lstm,
        "gru" => CellKind.Gru,
        "rnn" => CellKind.Rnn,
        _ => throw new InteropException($"The file's metadata names cell '{text}'; this importer reads lstm, gru and rnn."),
    };

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
