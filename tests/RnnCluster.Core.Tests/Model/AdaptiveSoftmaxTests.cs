using RnnCluster.Core.Checkpoints;
using RnnCluster.Core.Kernels;
using RnnCluster.Core.Memory;
using RnnCluster.Core.Model;
using RnnCluster.Core.Tests.Checkpoints;
using RnnCluster.Core.Tests.Reference;
using Xunit.Abstractions;

namespace RnnCluster.Core.Tests.Model;

/// <summary>
/// The adaptive softmax output layer: its gradient against finite differences of a double
/// reference, its scores as log-probabilities, its bytes on every GEMM path, its checkpoints.
/// </summary>
public sealed class AdaptiveSoftmaxTests(ITestOutputHelper output)
{
    private const int Steps = 4, Batch = 3, Vocab = 23, Hidden = 19; // projections 19/4 = 4 and 19/16 = 1

    private static readonly SoftmaxHead Head = SoftmaxHead.Adaptive([5, 12]);

    private static ModelDescription Model(CellKind cell = CellKind.Lstm, float dropout = 0f) =>
        new(cell, Vocab, Embed: 5, Hidden, Layers: 2, dropout) { Softmax = Head };

    /// <summary>Targets in the shortlist and in both clusters, some repeated.</summary>
    private static readonly int[] Targets = [0, 4, 5, 11, 12, 22, 3, 7, 15, 5, 20, 1];

    private static readonly int[] Inputs = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 21, 22];

    [Theory]
    [InlineData(CellKind.Lstm, 0f)]
    [InlineData(CellKind.Gru, 0.3f)]
    [InlineData(CellKind.Rnn, 0f)]
    public void Whole_model_matches_finite_differences(CellKind cell, float dropout)
    {
        var d = Model(cell, dropout);
        var layout = new ParameterLayout(d);
        var parameters = RandomFloats(layout.TotalSize, 0.4f, seed: 7);
        var key = new DropoutKey(Seed: 99, Step: 3, MicroBatch: 1);
        var gradient = new float[layout.TotalSize];
        Array.Fill(gradient, float.NaN); // every value must be written
        double loss;
        using (var model = new RecurrentLanguageModel(d, Batch, Steps))
        {
            model.LoadParameters(parameters);
            loss = model.ForwardBackward(Inputs, Targets, Batch, Steps, key, gradientScale: 1f, gradient);
        }

        var theta = parameters.Select(v => (double)v).ToArray();
        double Loss(double[] th) => DoubleReference.ModelLoss(d, th, Inputs, Targets, Batch, Steps, key);
        Assert.Equal(Loss(theta), loss, 1e-4 * Targets.Length);
        var reference = DoubleReference.FiniteDifferences(theta, Loss);
        var comparison = GradientComparison.Compare(gradient, reference, floor: 1e-3);
        output.WriteLine($"{cell} adaptive {Head} (V={Vocab} H={Hidden}): loss {loss:F6}, {comparison}");
        Assert.True(comparison.MaxRelativeError < 3e-4, comparison.ToString());
    }

    [Fact]
    public void A_cluster_no_target_falls_in_gets_a_zero_gradient()
    {
        var d = Model();
        var layout = new ParameterLayout(d);
        var gradient = new float[layout.TotalSize];
        Array.Fill(gradient, float.NaN);
        int[] shortlistOnly = [.. Targets.Select(t => t % 5)];
        using var model = new RecurrentLanguageModel(d, Batch, Steps);
        model.LoadParameters(RandomFloats(layout.TotalSize, 0.4f, seed: 3));
        model.ForwardBackward(Inputs, shortlistOnly, Batch, Steps, default, 1f, gradient);
        foreach (var tail in layout.Tails)
            foreach (var tensor in new[] { tail.Projection, tail.Weight })
                Assert.All(gradient.AsSpan(tensor.Offset, tensor.Size).ToArray(), g => Assert.Equal(0f, g));
    }

    [Fact]
    public void Next_token_scores_are_log_probabilities_and_match_the_loss()
    {
        var d = Model();
        var layout = new ParameterLayout(d);
        var parameters = RandomFloats(layout.TotalSize, 0.4f, seed: 11);
        using var model = new RecurrentLanguageModel(d, Batch, Steps);
        model.LoadParameters(parameters);
        var scores = new float[Vocab];
        double sumOfLosses = 0;
        for (int t = 0; t < Steps; t++)
        {
            model.NextLogits([Inputs[t]], scores);
            Assert.Equal(1.0, scores.Sum(s => Math.Exp(s)), 1e-5);
            sumOfLosses -= scores[Targets[t]];
        }
        // One sequence fed token by token scores what the window scores in one pass.
        using var windowed = new RecurrentLanguageModel(d, 1, Steps);
        windowed.LoadParameters(parameters);
        double loss = windowed.Loss(Inputs.AsSpan(0, Steps), Targets.AsSpan(0, Steps), 1, Steps);
        Assert.Equal(loss, sumOfLosses, 1e-4);
    }

    [Fact]
    public void Every_gemm_path_gives_the_same_bytes()
    {
        var d = Model(CellKind.Lstm, 0.3f);
        var layout = new ParameterLayout(d);
        var parameters = RandomFloats(layout.TotalSize, 0.4f, seed: 5);
        byte[]? first = null;
        foreach (var path in new[] { GemmPath.Scalar, GemmPath.Vector256, GemmPath.Vector512 }.Where(Gemm.IsSupported))
        {
            var gradient = new float[layout.TotalSize];
            Gemm.ForcedPath = path;
            try
            {
                using var model = new RecurrentLanguageModel(d, Batch, Steps);
                model.LoadParameters(parameters);
                model.ForwardBackward(Inputs, Targets, Batch, Steps, new DropoutKey(1, 2, 3), 0.5f, gradient);
            }
            finally
            {
                Gemm.ForcedPath = GemmPath.Auto;
            }
            var bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(gradient.AsSpan()).ToArray();
            first ??= bytes;
            Assert.True(first.AsSpan().SequenceEqual(bytes), $"{path} differs");
        }
    }

    [Fact]
    public void Checkpoints_keep_the_cutoffs_as_layout_version_2()
    {
        var full = CheckpointSamples.Make();
        var model = full.Model with { Softmax = SoftmaxHead.Adaptive([3]) };
        var parameters = RandomFloats(new ParameterLayout(model).TotalSize, 1f, seed: 9);
        var adaptive = new Checkpoint(full.RunId, full.Step, model, full.Vocabulary, full.Settings, parameters,
            new float[2 * parameters.Length], full.Metadata);
        byte[] bytes = CheckpointFormat.Serialize(adaptive);
        Assert.Equal(2, BitConverter.ToInt32(bytes, 24));
        Assert.Equal(1, BitConverter.ToInt32(CheckpointFormat.Serialize(full), 24));
        var back = CheckpointFormat.Deserialize(bytes);
        Assert.Equal(model, back.Model);
        Assert.Equal(parameters, back.Parameters);
        Assert.Equal("softmax adaptive(3) vs full", model.FirstDifference(full.Model));
    }

    [Theory]
    [InlineData(new[] { 0 }, "rise strictly")]
    [InlineData(new[] { 5, 5 }, "rise strictly")]
    [InlineData(new[] { 5, 23 }, "below the vocabulary size 23")]
    [InlineData(new[] { 2, 4, 8 }, "needs hidden ≥ 64")]
    public void Cutoffs_that_do_not_fit_are_named(int[] cutoffs, string expected)
    {
        var d = Model() with { Softmax = SoftmaxHead.Adaptive(cutoffs) };
        var e = Assert.Throws<ArgumentException>(d.Validate);
        Assert.Contains(expected, e.Message);
    }

    [Theory]
    [InlineData(10000, new[] { 1000, 4000 })]
    [InlineData(65, new[] { 6, 26 })]
    [InlineData(3, new[] { 1, 2 })]
    [InlineData(2, new[] { 1 })]
    public void Default_cutoffs_are_a_tenth_and_two_fifths_of_the_vocabulary(int vocab, int[] expected) =>
        Assert.Equal(expected, SoftmaxHead.DefaultCutoffs(vocab));

    [Fact]
    public void The_head_places_tokens_in_their_clusters()
    {
        Assert.Equal(-1, Head.ClusterOf(4));
        Assert.Equal(0, Head.ClusterOf(5));
        Assert.Equal(1, Head.ClusterOf(22));
        Assert.Equal(7, Head.HeadSize(Vocab));
        Assert.Equal(Vocab, Head.ClusterEnd(1, Vocab));
        Assert.Equal(64, SoftmaxHead.ProjectionSize(256, 0));
        Assert.Equal(16, SoftmaxHead.ProjectionSize(256, 1));
        Assert.Equal(SoftmaxHead.Adaptive([5, 12]), Head);
        Assert.Equal("lstm vocab=23 embed=5 hidden=19 layers=2 dropout=0 softmax=adaptive(5,12)", Model().ToString());
        var layout = new ParameterLayout(Model());
        Assert.Equal(["out.w", "out.b", "out.tail0.proj", "out.tail0.w", "out.tail1.proj", "out.tail1.w"],
            layout.Tensors.SkipWhile(t => t.Name != "out.w").Select(t => $"{t.Name}"));
        Assert.Equal((19, 7), (layout.OutputWeight.Rows, layout.OutputWeight.Cols));
        Assert.Equal((4, 7), (layout.Tails[0].Weight.Rows, layout.Tails[0].Weight.Cols));
        Assert.Equal((1, 11), (layout.Tails[1].Weight.Rows, layout.Tails[1].Weight.Cols));
    }

    private static float[] RandomFloats(int n, float scale, ulong seed)
    {
        var rng = new SplitMix64(seed);
        var values = new float[n];
        for (int i = 0; i < n; i++)
            values[i] = (rng.NextFloat() * 2f - 1f) * scale;
        return values;
    }
}
