using System.Globalization;
using RnnCluster.Core.Model;

namespace RnnCluster.Interop.PyTorch;

/// <summary>
/// The lines of PyTorch that load a safetensors export into PyTorch's own modules, printed by
/// <c>checkpoints export --format safetensors --print-pytorch</c> with the model's sizes filled in.
/// </summary>
public static class PyTorchSnippet
{
    public static string For(ModelDescription model, string path)
    {
        string file = path.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);
        string cell = model.Cell == CellKind.Rnn
            ? $"torch.nn.RNN({model.Embed}, {model.Hidden}, {model.Layers}, nonlinearity=\"tanh\", batch_first=True)"
            : $"torch.nn.{ExportMetadata.CellModule(model.Cell)}({model.Embed}, {model.Hidden}, {model.Layers}, batch_first=True)";
        return string.Create(CultureInfo.InvariantCulture, $$"""
            import json, torch
            from safetensors import safe_open
            from safetensors.torch import load_file
            with safe_open("{{file}}", "pt") as f: vocab = json.loads(f.metadata()["vocabulary"])
            class LM(torch.nn.Module):  # Embedding -> {{ExportMetadata.CellModule(model.Cell)}} -> Linear, the export's state_dict names
                def __init__(self):
                    super().__init__(); self.embedding = torch.nn.Embedding({{model.VocabSize}}, {{model.Embed}}); self.rnn = {{cell}}; self.head = torch.nn.Linear({{model.Hidden}}, {{model.VocabSize}})
                def forward(self, ids, state=None): y, state = self.rnn(self.embedding(ids), state); return self.head(y), state
            model = LM(); model.load_state_dict(load_file("{{file}}")); model.eval()
            # logits, state = model(torch.tensor([[vocab.index(t) for t in "The "]]))  # batch 1; pass state back to continue
            """);
    }
}
