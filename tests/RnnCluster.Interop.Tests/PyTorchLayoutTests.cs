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

    /// <summary>
    /// PyTorch's documented equations (torch.nn.LSTM / GRU / RNN), in double, over the tensors by
    /// name: W_ih·x + b_ih + W_hh·h + b_hh split into the gate chunks in PyTorch's order.
    /// </summary>
    private sealed class TorchReference(SafetensorsFile file, ModelDescription model)
    {
        private readonly double[][] _h = Enumerable.Range(0, model.Layers).Select(_ => new double[model.Hidden]).ToArray();
        private readonly double[][] _c = Enumerable.Range(0, model.Layers).Select(_ => new double[model.Hidden]).ToArray();

        public double[] Step(int token)
        {
            int e = model.Embed, h = model.Hidden;
            double[] x = file.Find("embedding.weight")!.Data.Skip(token * e).Take(e).Select(f => (double)f).ToArray();
            for (int l = 0; l < model.Layers; l++)
            {
                var wi = Linear($"rnn.weight_ih_l{l}", $"rnn.bias_ih_l{l}", x);
                var wh = Linear($"rnn.weight_hh_l{l}", $"rnn.bias_hh_l{l}", _h[l]);
                var next = new double[h];
                for (int j = 0; j < h; j++)
                {
                    switch (model.Cell)
                    {
                        case CellKind.Lstm:
                            double i = Sigmoid(wi[j] + wh[j]), f = Sigmoid(wi[h + j] + wh[h + j]);
                            double g = Math.Tanh(wi[2 * h + j] + wh[2 * h + j]), o = Sigmoid(wi[3 * h + j] + wh[3 * h + j]);
                            _c[l][j] = f * _c[l][j] + i * g;
                            next[j] = o * Math.Tanh(_c[l][j]);
                            break;
                        case CellKind.Gru:
                            double r = Sigmoid(wi[j] + wh[j]), z = Sigmoid(wi[h + j] + wh[h + j]);
                            double n = Math.Tanh(wi[2 * h + j] + r * wh[2 * h + j]);
                            next[j] = (1 - z) * n + z * _h[l][j];
                            break;
                        default:
                            next[j] = Math.Tanh(wi[j] + wh[j]);
                            break;
                    }
                }
                _h[l] = next;
                x = next;
            }
            return Linear("head.weight", "head.bias", x);
        }

        /// <summary>y = W·x + b with W (rows, cols) as stored.</summary>
        private double[] Linear(string weight, string bias, double[] x)
        {
            var w = file.Find(weight)!;
            var b = file.Find(bias)!.Data;
            int rows = (int)w.Shape[0], cols = (int)w.Shape[1];
            var y = new double[rows];
            for (int r = 0; r < rows; r++)
            {
                double sum = b[r];
                for (int c = 0; c < cols; c++)
                    sum += (double)w.Data[r * cols + c] * x[c];
                y[r] = sum;
            }
            return y;
        }

        private static double Sigmoid(double a) => 1 / (1 + Math.Exp(-a));
    }
}
