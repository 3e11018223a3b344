using RnnCluster.Core.Model;

namespace RnnCluster.Core.Tests.Reference;

/// <summary>
/// A plain, scalar, double-precision forward pass of the same model (same parameter layout,
/// same formulas, same dropout masks). It exists only to compute gradients by central finite
/// differences, against which the fast float backward passes are checked.
/// </summary>
internal static class DoubleReference
{
    /// <summary>Output h (T·B, H) of one recurrent layer from the zero state; time-major rows.</summary>
    public static double[] LayerForward(CellKind cell, double[] p, LayerTensors t, double[] x, int input, int hidden, int steps, int batch)
    {
        int g = ModelDescription.GatesOf(cell) * hidden;
        var h = new double[steps * batch * hidden];
        var c = new double[batch * hidden];
        var hPrev = new double[batch * hidden];
        for (int s = 0; s < steps; s++)
        {
            var hNew = new double[batch * hidden];
            for (int b = 0; b < batch; b++)
            {
                int row = s * batch + b;
                var ax = new double[g];
                var ah = new double[g];
                for (int j = 0; j < g; j++)
                {
                    double sx = p[t.Bx.Offset + j];
                    for (int k = 0; k < input; k++)
                        sx += x[row * input + k] * p[t.Wx.Offset + k * g + j];
                    double sh = t.Bh is null ? 0 : p[t.Bh.Offset + j];
                    for (int k = 0; k < hidden; k++)
                        sh += hPrev[b * hidden + k] * p[t.Wh.Offset + k * g + j];
                    ax[j] = sx;
                    ah[j] = sh;
                }
                for (int j = 0; j < hidden; j++)
                {
                    double hp = hPrev[b * hidden + j];
                    double value;
                    switch (cell)
                    {
                        case CellKind.Lstm:
                        {
                            double i = Sigmoid(ax[j] + ah[j]);
                            double f = Sigmoid(ax[hidden + j] + ah[hidden + j]);
                            double gg = Math.Tanh(ax[2 * hidden + j] + ah[2 * hidden + j]);
                            double o = Sigmoid(ax[3 * hidden + j] + ah[3 * hidden + j]);
                            c[b * hidden + j] = f * c[b * hidden + j] + i * gg;
                            value = o * Math.Tanh(c[b * hidden + j]);
                            break;
                        }
                        case CellKind.Gru:
                        {
                            double r = Sigmoid(ax[j] + ah[j]);
                            double z = Sigmoid(ax[hidden + j] + ah[hidden + j]);
                            double n = Math.Tanh(ax[2 * hidden + j] + r * ah[2 * hidden + j]);
                            value = (1 - z) * n + z * hp;
                            break;
                        }
                        default:
                            value = Math.Tanh(ax[j] + ah[j]);
                            break;
                    }
                    hNew[b * hidden + j] = value;
                    h[row * hidden + j] = value;
                }
            }
            hPrev = hNew;
        }
        return h;
    }

    /// <summary>Σ loss of a window, with the model's dropout masks when a key is given.</summary>
    public static double ModelLoss(ModelDescription d, double[] p, int[] inputs, int[] targets, int batch, int steps, DropoutKey? dropout)
    {
        var layout = new ParameterLayout(d);
        int rows = batch * steps;
        var x = new double[rows * d.Embed];
        for (int r = 0; r < rows; r++)
            for (int k = 0; k < d.Embed; k++)
                x[r * d.Embed + k] = p[layout.Embedding.Offset + inputs[r] * d.Embed + k];
        int input = d.Embed;
        for (int l = 0; l < d.Layers; l++)
        {
            x = LayerForward(d.Cell, p, layout.Layers[l], x, input, d.Hidden, steps, batch);
            input = d.Hidden;
            if (dropout is { } key && d.Dropout > 0f)
            {
                var mask = new float[x.Length];
                DropoutMask.Fill(key.ForLayer(l), d.Dropout, mask);
                for (int i = 0; i < x.Length; i++)
                    x[i] *= mask[i];
            }
        }
        double loss = 0;
        for (int r = 0; r < rows; r++)
            loss -= LogProbabilities(d, layout, p, x.AsSpan(r * d.Hidden, d.Hidden))[targets[r]];
        return loss;
    }

    /// <summary>log p of every token given one top hidden state: full softmax, or the adaptive softmax of <see cref="SoftmaxHead"/>.</summary>
    public static double[] LogProbabilities(ModelDescription d, ParameterLayout layout, double[] p, ReadOnlySpan<double> top)
    {
        var softmax = d.Softmax;
        int v = d.VocabSize, head = softmax.HeadSize(v), shortlist = softmax.Shortlist(v);
        var headLogP = LogSoftmax(Linear(p, layout.OutputWeight.Offset, layout.OutputBias.Offset, top, d.Hidden, head));
        var result = new double[v];
        Array.Copy(headLogP, result, shortlist);
        for (int c = 0; c < softmax.Clusters; c++)
        {
            var tail = layout.Tails[c];
            var projected = Linear(p, tail.Projection.Offset, null, top, d.Hidden, tail.Projection.Cols);
            var tailLogP = LogSoftmax(Linear(p, tail.Weight.Offset, null, projected, tail.Projection.Cols, tail.Weight.Cols));
            for (int j = 0; j < tailLogP.Length; j++)
                result[softmax.ClusterStart(c) + j] = headLogP[shortlist + c] + tailLogP[j];
        }
        return result;
    }

    /// <summary>y = b + x·W for W stored (in, out) at an offset of p.</summary>
    private static double[] Linear(double[] p, int weight, int? bias, ReadOnlySpan<double> x, int inputs, int outputs)
    {
        var y = new double[outputs];
        for (int j = 0; j < outputs; j++)
        {
            double s = bias is { } b ? p[b + j] : 0;
            for (int k = 0; k < inputs; k++)
                s += x[k] * p[weight + k * outputs + j];
            y[j] = s;
        }
        return y;
    }

    private static double[] LogSoftmax(double[] logits)
    {
        double max = logits.Max();
        double lse = max + Math.Log(logits.Sum(l => Math.Exp(l - max)));
        return logits.Select(l => l - lse).ToArray();
    }

    /// <summary>Central difference (f(θ + ε) − f(θ − ε)) / 2ε for every index.</summary>
    public static double[] FiniteDifferences(double[] theta, Func<double[], double> f, double epsilon = 1e-6)
    {
        var gradient = new double[theta.Length];
        var work = (double[])theta.Clone();
        for (int i = 0; i < theta.Length; i++)
        {
            work[i] = theta[i] + epsilon;
            double plus = f(work);
            work[i] = theta[i] - epsilon;
            double minus = f(work);
            work[i] = theta[i];
            gradient[i] = (plus - minus) / (2 * epsilon);
        }
        return gradient;
    }

    private static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));
}

/// <summary>How far an analytic gradient is from a reference, printed by every gradient check.</summary>
internal readonly record struct GradientComparison(double MaxRelativeError, double MaxAbsoluteError, int WorstIndex, int Count)
{
    /// <summary>Relative error |a − r| / max(|a|, |r|, floor): the floor keeps near-zero entries from dominating.</summary>
    public static GradientComparison Compare(ReadOnlySpan<float> analytic, ReadOnlySpan<double> reference, double floor)
    {
        double maxRel = 0, maxAbs = 0;
        int worst = -1;
        for (int i = 0; i < reference.Length; i++)
        {
            double diff = Math.Abs(analytic[i] - reference[i]);
            double rel = diff / Math.Max(Math.Max(Math.Abs(analytic[i]), Math.Abs(reference[i])), floor);
            maxAbs = Math.Max(maxAbs, diff);
            if (rel > maxRel)
            {
                maxRel = rel;
                worst = i;
            }
        }
        return new GradientComparison(maxRel, maxAbs, worst, reference.Length);
    }

    public override string ToString() => $"max relative error {MaxRelativeError:E2} (index {WorstIndex}), max absolute error {MaxAbsoluteError:E2} over {Count} values";
}
