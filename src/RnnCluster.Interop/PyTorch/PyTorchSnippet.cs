using System.Globalization;
using RnnCluster.Core.Model;

namespace RnnCluster.Interop.PyTorch;

/// <summary>
/// The lines of PyTorch that load a safetensors export into PyTorch's own modules, printed by
/// <c>checkpoints export --format safetensors --print-pytorch</c> with the model's sizes filled in.
/// An adaptive softmax becomes <c>nn.AdaptiveLogSoftmaxWithLoss</c>, whose <c>log_prob</c> the
/// forward returns in place of logits (same shape, same arg-max).
/// </summary>
public static class PyTorchSnippet
{
    /// <param name="words">A word-level vocabulary: the example encodes words, not characters.</param>
    public static string For(ModelDescription model, string path, bool words = false)
    {
        string file = path.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);
        string cell = model.Cell == CellKind.Rnn
            ? $"torch.nn.RNN({model.Embed}, {model.Hidden}, {model.Layers}, nonlinearity=\"tanh\", batch_first=True)"
            : $"torch.nn.{ExportMetadata.CellModule(model.Cell)}({model.Embed}, {model.Hidden}, {model.Layers}, batch_first=True)";
        string output = ExportMetadata.CellModule(model.Cell) + " -> " + (model.Softmax.IsAdaptive ? "AdaptiveLogSoftmaxWithLoss" : "Linear");
        // AdaptiveLogSoftmaxWithLoss takes (rows, H): flatten batch and time, then restore them.
        string head = model.Softmax.IsAdaptive
            ? $"torch.nn.AdaptiveLogSoftmaxWithLoss({model.Hidden}, {model.VocabSize}, cutoffs=[{AdaptiveSoftmaxLayout.CutoffsText(model.Softmax).Replace(",", ", ", StringComparison.Ordinal)}], div_value={AdaptiveSoftmaxLayout.DivValue}, head_bias=True)"
            : $"torch.nn.Linear({model.Hidden}, {model.VocabSize})";
        string scores = model.Softmax.IsAdaptive ? "self.head.log_prob(y.reshape(-1, y.size(-1))).reshape(y.size(0), y.size(1), -1)" : "self.head(y)";
        string example = words ? "[\"The\", \" \"]" : "\"The \"";
        string usage = model.Softmax.IsAdaptive ? "log_probs, state = model(" : "logits, state = model(";
        string snippet = string.Create(CultureInfo.InvariantCulture, $$"""
            import json, torch
            from safetensors import safe_open
            from safetensors.torch import load_file
            with safe_open("{{file}}", "pt") as f: vocab = json.loads(f.metadata()["vocabulary"])
            class LM(torch.nn.Module):  # Embedding -> {{output}}, the export's state_dict names
                def __init__(self):
                    super().__init__(); self.embedding = torch.nn.Embedding({{model.VocabSize}}, {{model.Embed}}); self.rnn = {{cell}}; self.head = {{head}}
                def forward(self, ids, state=None): y, state = self.rnn(self.embedding(ids), state); return {{scores}}, state
            model = LM(); model.load_state_dict(load_file("{{file}}")); model.eval()
            # {{usage}}torch.tensor([[vocab.index(t) for t in {{example}}]]))  # batch 1; pass state back to continue
            """);
        return model.Softmax.IsAdaptive
            ? snippet + "\n# ids = torch.tensor([[...]]); next_id = model.head.predict(model.rnn(model.embedding(ids))[0][:, -1])  # the arg-max, without the full log_prob"
            : snippet;
    }
}
