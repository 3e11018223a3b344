using RnnCluster.Core.Memory;
using RnnCluster.Core.Model;
using RnnCluster.Core.Tests.Reference;
using Xunit.Abstractions;

namespace RnnCluster.Core.Tests.Model;

/// <summary>
/// The float backward passes against central finite differences of a double-precision forward
/// pass (<see cref="DoubleReference"/>): per layer, and for the whole model, for every cell,
/// with and without dropout. Each test prints its maximum relative error.
/// </summary>
public sealed unsafe class GradientCheckTests(ITestOutputHelper output)
{
    private const int Steps = 4, Batch = 3, Input = 6, Hidden = 19; // 19 = one 16-lane block + a scalar tail

    [Theory]
    [InlineData(CellKind.Lstm)]
    [InlineData(CellKind.Gru)]
    [InlineData(CellKind.Rnn)]
    public void Recurrent_layer_matches_finite_differences(CellKind cell)
    {
        var d = new ModelDescription(cell, 5, Input, Hidden, 1, 0f);
        var layout = new ParameterLayout(d);
        var tensors = layout.Layers[0];
        int rows = Steps * Batch;
        var rng = new SplitMix64(42);
        var parameters = RandomFloats(layout.TotalSize, 0.5f, ref rng);
        var x = RandomFloats(rows * Input, 1f, ref rng);
        var weights = RandomFloats(rows * Hidden, 1f, ref rng); // loss = Σ weights ⊙ h

        var gradients = new float[layout.TotalSize];
        var dx = new float[rows * Input];
        using (var layer = RecurrentLayer.Create(cell, tensors, Input, Hidden, Steps, Batch))
        {
            fixed (float* p = parameters)
            fixed (float* g = gradients)
            fixed (float* xp = x)
            fixed (float* w = weights)
            fixed (float* dxp = dx)
            {
                layer.PackWeights(p);
                layer.Forward(p, xp, Steps, Batch, carryState: false);
                layer.Backward(p, g, xp, w, dxp, Steps, Batch);
            }
        }

        // θ = the layer's own tensors, then x.
        var owned = new List<TensorSpec> { tensors.Wx, tensors.Wh, tensors.Bx };
        if (tensors.Bh is not null) owned.Add(tensors.Bh);
        int ownedSize = owned.Sum(t => t.Size);
        var theta = new double[ownedSize + x.Length];
        var analytic = new float[theta.Length];
        int at = 0;
        foreach (var t in owned)
            for (int i = 0; i < t.Size; i++, at++)
            {
                theta[at] = parameters[t.Offset + i];
                analytic[at] = gradients[t.Offset + i];
            }
        for (int i = 0; i < x.Length; i++, at++)
        {
            theta[at] = x[i];
            analytic[at] = dx[i];
        }

        double Loss(double[] th)
        {
            var p = parameters.Select(v => (double)v).ToArray();
            int k = 0;
            foreach (var t in owned)
                for (int i = 0; i < t.Size; i++)
                    p[t.Offset + i] = th[k++];
            var xs = th.AsSpan(ownedSize).ToArray();
            var h = DoubleReference.LayerForward(cell, p, tensors, xs, Input, Hidden, Steps, Batch);
            double sum = 0;
            for (int i = 0; i < h.Length; i++)
                sum += weights[i] * h[i];
            return sum;
        }

        var reference = DoubleReference.FiniteDifferences(theta, Loss);
        var comparison = GradientComparison.Compare(analytic, reference, floor: 1e-3);
        output.WriteLine($"{cell} layer ({Input}→{Hidden}, T={Steps}, B={Batch}): {comparison}");
        Assert.True(comparison.MaxRelativeError < 3e-4, comparison.ToString());
    }

    [Theory]
    [InlineData(CellKind.Lstm, 0f)]
    [InlineData(CellKind.Lstm, 0.3f)]
    [InlineData(CellKind.Gru, 0f)]
    [InlineData(CellKind.Gru, 0.3f)]
    [InlineData(CellKind.Rnn, 0f)]
    [InlineData(CellKind.Rnn, 0.3f)]
    public void Whole_model_matches_finite_differences(CellKind cell, float dropout)
    {
        var d = new ModelDescription(cell, VocabSize: 11, Embed: 5, Hidden: Hidden, Layers: 2, Dropout: dropout);
        var layout = new ParameterLayout(d);
        var rng = new SplitMix64(7);
        var parameters = RandomFloats(layout.TotalSize, 0.4f, ref rng);
        int rows = Steps * Batch;
        var inputs = Enumerable.Range(0, rows).Select(_ => rng.NextInt(d.VocabSize)).ToArray();
        var targets = Enumerable.Range(0, rows).Select(_ => rng.NextInt(d.VocabSize)).ToArray();
        var key = new DropoutKey(Seed: 99, Step: 3, MicroBatch: 1);

        var gradient = new float[layout.TotalSize];
        double loss;
        using (var model = new RecurrentLanguageModel(d, Batch, Steps))
        {
            model.LoadParameters(parameters);
            loss = model.ForwardBackward(inputs, targets, Batch, Steps, key, gradientScale: 1f, gradient);
        }

        var theta = parameters.Select(v => (double)v).ToArray();
        double Loss(double[] th) => DoubleReference.ModelLoss(d, th, inputs, targets, Batch, Steps, key);
        Assert.Equal(Loss(theta), loss, 1e-4 * rows);

        var reference = DoubleReference.FiniteDifferences(theta, Loss);
        var comparison = GradientComparison.Compare(gradient, reference, floor: 1e-3);
        output.WriteLine($"{cell} model (V=11 E=5 H={Hidden} L=2 dropout={dropout}): loss {loss:F6}, {comparison}");
        Assert.True(comparison.MaxRelativeError < 3e-4, comparison.ToString());
    }

    /// <summary>The embedding and the output layer (linear + softmax cross-entropy), each reported on its own.</summary>
    [Theory]
    [InlineData(CellKind.Lstm)]
    [InlineData(CellKind.Gru)]
    [InlineData(CellKind.Rnn)]
    public void Embedding_and_output_layer_match_finite_differences(CellKind cell)
    {
        var d = new ModelDescription(cell, VocabSize: 13, Embed: 7, Hidden: 17, Layers: 1, Dropout: 0f);
        var layout = new ParameterLayout(d);
        var rng = new SplitMix64(21);
        var parameters = RandomFloats(layout.TotalSize, 0.5f, ref rng);
        int rows = Steps * Batch;
        var inputs = Enumerable.Range(0, rows).Select(i => i % 3 == 0 ? 4 : rng.NextInt(d.VocabSize)).ToArray(); // repeated tokens: embedding rows accumulate
        var targets = Enumerable.Range(0, rows).Select(_ => rng.NextInt(d.VocabSize)).ToArray();
        var gradient = new float[layout.TotalSize];
        using (var model = new RecurrentLanguageModel(d, Batch, Steps))
        {
            model.LoadParameters(parameters);
            model.ForwardBackward(inputs, targets, Batch, Steps, default, 1f, gradient);
        }
        var theta = parameters.Select(v => (double)v).ToArray();
        foreach (var tensor in new[] { layout.Embedding, layout.OutputWeight, layout.OutputBias })
        {
            var slice = theta.AsSpan(tensor.Offset, tensor.Size).ToArray();
            double Loss(double[] values)
            {
                var full = (double[])theta.Clone();
                values.CopyTo(full, tensor.Offset);
                return DoubleReference.ModelLoss(d, full, inputs, targets, Batch, Steps, null);
            }
            var reference = DoubleReference.FiniteDifferences(slice, Loss);
            var comparison = GradientComparison.Compare(gradient.AsSpan(tensor.Offset, tensor.Size), reference, floor: 1e-3);
            output.WriteLine($"{cell} {tensor.Name}: {comparison}");
            Assert.True(comparison.MaxRelativeError < 3e-4, $"{tensor.Name}: {comparison}");
        }
    }

    [Fact]
    public void Gradient_scale_multiplies_every_entry()
    {
        var d = new ModelDescription(CellKind.Lstm, 7, 4, 8, 1, 0f);
        var layout = new ParameterLayout(d);
        var parameters = ParameterInitializer.Create(layout, 3);
        int[] inputs = [1, 2, 3, 4, 5, 6], targets = [2, 3, 4, 5, 6, 0];
        var g1 = new float[layout.TotalSize];
        var g4 = new float[layout.TotalSize];
        using var model = new RecurrentLanguageModel(d, 2, 3);
        model.LoadParameters(parameters);
        model.ForwardBackward(inputs, targets, 2, 3, default, 1f, g1);
        model.ForwardBackward(inputs, targets, 2, 3, default, 0.25f, g4);
        for (int i = 0; i < g1.Length; i++)
            Assert.Equal(g1[i] * 0.25f, g4[i], Math.Abs(g1[i]) * 1e-5f + 1e-9f);
    }

    private static float[] RandomFloats(int n, float scale, ref SplitMix64 rng)
    {
        var values = new float[n];
        for (int i = 0; i < n; i++)
            values[i] = (rng.NextFloat() * 2 - 1) * scale;
        return values;
    }
}
