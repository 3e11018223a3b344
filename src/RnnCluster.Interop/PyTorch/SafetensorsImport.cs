using System.Globalization;
using System.Text.RegularExpressions;
using RnnCluster.Core.Model;
using RnnCluster.Core.Text;
using RnnCluster.Interop.Safetensors;

namespace RnnCluster.Interop.PyTorch;

/// <summary>
/// Reads PyTorch weights of <c>Embedding → LSTM|GRU|RNN → Linear</c> (<see cref="PyTorchLayout"/>),
/// or with an <c>AdaptiveLogSoftmaxWithLoss</c> head (<see cref="AdaptiveSoftmaxLayout"/>), into our parameter order. Everything is checked before anything is built, and each refusal
/// names what differs: an unexpected or missing tensor, a shape (with the one expected), the
/// vocabulary size, the cell or gate order in the metadata against the shapes and the options.
/// </summary>
public static partial class SafetensorsImport
{
    public static ImportedModel Read(SafetensorsFile file, ImportOptions options)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(options);
        var byName = file.Tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
        bool adaptive = AdaptiveSoftmaxLayout.IsAdaptive(byName.Keys);
        CheckNames(byName.Keys, adaptive);
        var embedding = Require(byName, PyTorchLayout.Embedding);
        Require(byName, PyTorchLayout.WeightIh(0));
        var hh0 = Require(byName, PyTorchLayout.WeightHh(0));
        if (embedding.Shape.Count != 2)
            throw new InteropException($"{PyTorchLayout.Embedding} has shape {embedding.ShapeText}; expected [vocabulary, embed].");
        if (hh0.Shape.Count != 2 || hh0.Shape[1] == 0 || hh0.Shape[0] % hh0.Shape[1] != 0)
            throw new InteropException($"{PyTorchLayout.WeightHh(0)} has shape {hh0.ShapeText}; expected [gates × hidden, hidden].");
        int v = Dim(embedding, 0), e = Dim(embedding, 1), h = Dim(hh0, 1);
        int gates = (int)(hh0.Shape[0] / hh0.Shape[1]);
        var cell = Cell(gates, h, options.Cell, file);
        CheckGateOrder(cell, file.MetadataValue(ExportMetadata.GateOrder));
        int layers = byName.Keys.Count(n => LayerTensor().Match(n) is { Success: true } m && m.Groups["kind"].Value == "weight_ih");
        float dropout = ParseFloat(file.MetadataValue(ExportMetadata.Dropout), ExportMetadata.Dropout) ?? 0f;
        var model = new ModelDescription(cell, v, e, h, layers, dropout);
        try
        {
            if (adaptive)
                model = model with { Softmax = AdaptiveSoftmaxLayout.Infer(Find, AdaptiveSoftmaxLayout.ClusterCount(byName.Keys), v, file.MetadataValue(ExportMetadata.Cutoffs), file.MetadataValue(ExportMetadata.DivValue)) };
            model.Validate();
        }
        catch (ArgumentException ex)
        {
            throw new InteropException($"The tensors describe no usable model: {ex.Message}");
        }
        CheckShapes(byName, model);
        CheckMetadataSizes(file, model);
        var vocabulary = Vocabulary(file, options, v, adaptive);
        var parameters = PyTorchLayout.FromStateDict(model, Find);
        long step = ParseLong(file.MetadataValue(ExportMetadata.Step), ExportMetadata.Step) ?? 0;
        return new ImportedModel(model, vocabulary, parameters, file.MetadataValue(ExportMetadata.Run), step);

        SafetensorsTensor? Find(string name) => byName.GetValueOrDefault(name);
    }

    private static void CheckNames(IEnumerable<string> names, bool adaptive)
    {
        var unexpected = names.Where(n => n != PyTorchLayout.Embedding && !LayerTensor().IsMatch(n)
            && !(adaptive ? AdaptiveSoftmaxLayout.IsTensorName(n) : n is PyTorchLayout.HeadWeight or PyTorchLayout.HeadBias)).Order(StringComparer.Ordinal).ToList();
        if (unexpected.Count == 0)
            return;
        string hint = unexpected.Any(n => n.Contains("_reverse", StringComparison.Ordinal)) ? " (bidirectional layers are not supported)"
            : unexpected.Any(n => n.Contains("weight_hr", StringComparison.Ordinal)) ? " (an LSTM with proj_size is not supported)"
            : adaptive ? $" (expected {PyTorchLayout.Embedding}, rnn.weight_ih_l{{k}}, rnn.weight_hh_l{{k}}, rnn.bias_ih_l{{k}}, rnn.bias_hh_l{{k}}, {AdaptiveSoftmaxLayout.HeadWeight}, {AdaptiveSoftmaxLayout.HeadBias}, head.tail.{{i}}.0.weight, head.tail.{{i}}.1.weight)"
            : $" (expected {PyTorchLayout.Embedding}, rnn.weight_ih_l{{k}}, rnn.weight_hh_l{{k}}, rnn.bias_ih_l{{k}}, rnn.bias_hh_l{{k}}, {PyTorchLayout.HeadWeight}, {PyTorchLayout.HeadBias})";
        throw new InteropException($"Unexpected tensor{(unexpected.Count == 1 ? "" : "s")} {string.Join(", ", unexpected.Select(n => $"'{n}'"))}{hint}.");
    }

    private static SafetensorsTensor Require(Dictionary<string, SafetensorsTensor> byName, string name) =>
        byName.TryGetValue(name, out var tensor) ? tensor : throw new InteropException($"Tensor '{name}' is missing.");

    private static int Dim(SafetensorsTensor tensor, int axis) =>
        tensor.Shape[axis] <= int.MaxValue ? (int)tensor.Shape[axis] : throw new InteropException($"{tensor.Name} has shape {tensor.ShapeText}, too large for this model.");

    private static CellKind Cell(int gates, int hidden, CellKind? option, SafetensorsFile file)
    {
        var fromShape = gates switch { 4 => CellKind.Lstm, 3 => CellKind.Gru, 1 => CellKind.Rnn, _ => (CellKind?)null }
            ?? throw new InteropException($"{PyTorchLayout.WeightHh(0)} has {gates} × {hidden} rows: neither LSTM (4 gates), GRU (3) nor RNN (1).");
        var fromMetadata = ExportMetadata.ParseCell(file.MetadataValue(ExportMetadata.Cell));
        foreach (var (claimed, source) in new[] { (fromMetadata, "the file's metadata"), (option, "--cell") })
        {
            if (claimed is { } c && c != fromShape)
                throw new InteropException($"{source} says {ExportMetadata.CellName(c)} ({ModelDescription.GatesOf(c)} gates), but {PyTorchLayout.WeightHh(0)} has {gates} × {hidden} rows, the shape of {ExportMetadata.CellName(fromShape)}.");
        }
        return fromShape;
    }

    private static void CheckGateOrder(CellKind cell, string? declared)
    {
        string expected = PyTorchLayout.GateOrder(cell);
        if (declared is not null && !string.Equals(Normalize(declared), expected, StringComparison.Ordinal))
            throw new InteropException($"The file's metadata gives gate order '{declared}'; {ExportMetadata.CellName(cell)} weights must be in PyTorch's order {expected}.");

        static string Normalize(string order) => string.Join(",", order.ToLowerInvariant().Split([',', ' '], StringSplitOptions.RemoveEmptyEntries));
    }

    private static void CheckShapes(Dictionary<string, SafetensorsTensor> byName, ModelDescription m)
    {
        int v = m.VocabSize, e = m.Embed, h = m.Hidden, gh = m.Gates * h;
        string model = $"a {m.Layers}-layer {ExportMetadata.CellName(m.Cell)} with vocabulary {v}, embed {e} and hidden {h}";
        var expected = new List<(string Name, long[] Shape)>();
        for (int l = 0; l < m.Layers; l++)
        {
            expected.Add((PyTorchLayout.WeightIh(l), [gh, l == 0 ? e : h]));
            expected.Add((PyTorchLayout.WeightHh(l), [gh, h]));
            expected.Add((PyTorchLayout.BiasIh(l), [gh]));
            expected.Add((PyTorchLayout.BiasHh(l), [gh]));
        }
        if (m.Softmax.IsAdaptive)
        {
            expected.AddRange(AdaptiveSoftmaxLayout.ExpectedShapes(m));
            model += $" and adaptive softmax cutoffs {AdaptiveSoftmaxLayout.CutoffsText(m.Softmax)}";
            if (byName.ContainsKey(AdaptiveSoftmaxLayout.HeadBias))
                expected.Add((AdaptiveSoftmaxLayout.HeadBias, [m.Softmax.HeadSize(v)]));
        }
        else
        {
            expected.Add((PyTorchLayout.HeadWeight, [v, h]));
            expected.Add((PyTorchLayout.HeadBias, [v]));
        }
        foreach (var (name, shape) in expected)
        {
            var tensor = Require(byName, name);
            if (!tensor.Shape.SequenceEqual(shape))
                throw new InteropException($"Tensor '{name}' has shape {tensor.ShapeText}; {model} needs [{string.Join(", ", shape)}].");
        }
        var extra = byName.Keys.Where(n => LayerTensor().Match(n) is { Success: true } match && int.Parse(match.Groups["layer"].Value, CultureInfo.InvariantCulture) >= m.Layers).ToList();
        if (extra.Count > 0)
            throw new InteropException($"Tensor '{extra.Order(StringComparer.Ordinal).First()}' belongs to a layer beyond rnn.weight_ih_l0…l{m.Layers - 1}; every layer needs all four tensors.");
    }

    private static void CheckMetadataSizes(SafetensorsFile file, ModelDescription m)
    {
        foreach (var (key, actual) in new[] { (ExportMetadata.VocabSize, m.VocabSize), (ExportMetadata.Embed, m.Embed), (ExportMetadata.Hidden, m.Hidden), (ExportMetadata.Layers, m.Layers) })
        {
            if (ParseLong(file.MetadataValue(key), key) is { } declared && declared != actual)
                throw new InteropException($"The file's metadata gives {key} {declared}, but the tensors have {actual}.");
        }
    }

    private static Vocabulary Vocabulary(SafetensorsFile file, ImportOptions options, int rows, bool adaptive)
    {
        var tokenizer = file.MetadataValue(ExportMetadata.Tokenizer) switch
        {
            null => (TokenizerKind?)null,
            "char" => TokenizerKind.Char,
            "word" => TokenizerKind.Word,
            var other => throw new InteropException($"The file's metadata names tokenizer '{other}'; this importer reads char and word."),
        };
        if (options.Tokens is { } given && tokenizer is { } stored && given != stored && options.Vocabulary is null)
            throw new InteropException($"--tokens {given.ToString().ToLowerInvariant()} differs from the file's tokenizer {stored.ToString().ToLowerInvariant()}.");
        var vocabulary = options.Vocabulary;
        if (vocabulary is null)
        {
            string json = file.MetadataValue(ExportMetadata.VocabularyKey)
                ?? throw new InteropException("The file carries no vocabulary in its metadata: pass --vocab FILE (a JSON list of the tokens in id order).");
            int? unknown = (int?)ParseLong(file.MetadataValue(ExportMetadata.UnknownId), ExportMetadata.UnknownId);
            vocabulary = VocabularyJson.Parse(json, options.Tokens ?? tokenizer ?? TokenizerKind.Char, unknown, "The metadata's vocabulary");
        }
        if (vocabulary.Count != rows)
            throw new InteropException(adaptive
                ? $"The vocabulary has {vocabulary.Count} tokens, but {PyTorchLayout.Embedding} and the adaptive softmax have {rows}."
                : $"The vocabulary has {vocabulary.Count} tokens, but {PyTorchLayout.Embedding} and {PyTorchLayout.HeadWeight} have {rows} rows.");
        return vocabulary;
    }

    private static long? ParseLong(string? text, string key) =>
        text is null ? null
        : long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long value) ? value
        : throw new InteropException($"The file's metadata gives {key} '{text}', not an integer.");

    private static float? ParseFloat(string? text, string key) =>
        text is null ? null
        : float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out float value) ? value
        : throw new InteropException($"The file's metadata gives {key} '{text}', not a number.");

    [GeneratedRegex(@"^rnn\.(?<kind>weight_ih|weight_hh|bias_ih|bias_hh)_l(?<layer>0|[1-9][0-9]{0,3})$")]
    private static partial Regex LayerTensor();
}
