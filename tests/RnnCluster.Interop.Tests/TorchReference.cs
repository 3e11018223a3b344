using RnnCluster.Core.Model;
using RnnCluster.Interop.Safetensors;

namespace RnnCluster.Interop.Tests;

/// <summary>
/// PyTorch's documented equations (torch.nn.LSTM / GRU / RNN, Linear, AdaptiveLogSoftmaxWithLoss),
/// in double, over an export's tensors by name: W_ih·x + b_ih + W_hh·h + b_hh split into the gate
/// chunks in PyTorch's order, then the head. It stands in for running PyTorch, which the tests
/// do not have, so it reads only what PyTorch would: the state_dict and the constructor's sizes.
/// </summary>
internal sealed class TorchReference(SafetensorsFile file, ModelDescription model)
{
    private readonly double[][] _h = Enumerable.Range(0, model.Layers).Select(_ => new double[model.Hidden]).ToArray();
    private readonly double[][] _c = Enumerable.Range(0, model.Layers).Select(_ => new double[model.Hidden]).ToArray();

    /// <summary>The logits of <c>Linear(H, V)</c> after one more token.</summary>
    public double[] Step(int token) => Linear("head.weight", "head.bias", Top(token));

    /// <summary>The top layer's hidden state after one more token.</summary>
    public double[] Top(int token)
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
        return x;
    }

    /// <summary>
    /// AdaptiveLogSoftmaxWithLoss.log_prob as PyTorch writes it (_get_full_log_prob): head =
    /// h·head.weightᵀ + head.bias, log_softmax; the shortlist [0, cutoffs[0]) from the head;
    /// cluster i's tokens [cutoffs[i], cutoffs[i+1]) = log_softmax(tail[i](h)) + head[shortlist + i],
    /// with cutoffs the constructor's list followed by n_classes.
    /// </summary>
    public static double[] AdaptiveLogProb(SafetensorsFile file, IReadOnlyList<int> cutoffs, int classes, double[] h)
    {
        int[] bounds = [.. cutoffs, classes];
        int shortlist = bounds[0];
        var head = LogSoftmax(Linear(file, "head.head.weight", file.Find("head.head.bias") is null ? null : "head.head.bias", h));
        var result = new double[classes];
        Array.Copy(head, result, shortlist);
        for (int i = 0; i + 1 < bounds.Length; i++)
        {
            var cluster = LogSoftmax(Linear(file, $"head.tail.{i}.1.weight", null, Linear(file, $"head.tail.{i}.0.weight", null, h)));
            Assert.Equal(bounds[i + 1] - bounds[i], cluster.Length);
            for (int j = 0; j < cluster.Length; j++)
                result[bounds[i] + j] = cluster[j] + head[shortlist + i];
        }
        return result;
    }

    private double[] Linear(string weight, string bias, double[] x) => Linear(file, weight, bias, x);

    /// <summary>y = W·x (+ b) with W (rows, cols) as stored: PyTorch's Linear.</summary>
    private static double[] Linear(SafetensorsFile file, string weight, string? bias, double[] x)
    {
        var w = file.Find(weight)!;
        var b = bias is null ? null : file.Find(bias)!.Data;
        int rows = (int)w.Shape[0], cols = (int)w.Shape[1];
        Assert.Equal(cols, x.Length);
        var y = new double[rows];
        for (int r = 0; r < rows; r++)
        {
            double sum = b?[r] ?? 0;
            for (int c = 0; c < cols; c++)
                sum += (double)w.Data[r * cols + c] * x[c];
            y[r] = sum;
        }
        return y;
    }

    private static double[] LogSoftmax(double[] x)
    {
        double max = x.Max();
        double lse = max + Math.Log(x.Sum(v => Math.Exp(v - max)));
        return x.Select(v => v - lse).ToArray();
    }

    private static double Sigmoid(double a) => 1 / (1 + Math.Exp(-a));
}
