using RnnCluster.Core.Model;
using RnnCluster.Core.Sampling;
using RnnCluster.Core.Text;
using RnnCluster.Interop.Onnx;
using Xunit.Abstractions;

namespace RnnCluster.Interop.Tests;

/// <summary>
/// The ONNX export run by Microsoft.ML.OnnxRuntime against our own forward pass, for every cell,
/// two layers, character and word level: logits step by step with the state carried from call to
/// call, a whole window in one call, and 200 greedy tokens compared with <see cref="TextGenerator"/>
/// at temperature 0 (what <c>generate --temperature 0</c> prints).
/// </summary>
public sealed class OnnxRuntimeParityTests(ITestOutputHelper output)
{
    /// <summary>The bound on |logit(ONNX Runtime) − logit(ours)|.</summary>
    private const float Tolerance = 1e-4f;

    public static TheoryData<CellKind, TokenizerKind> Models()
    {
        var data = new TheoryData<CellKind, TokenizerKind>();
        foreach (var cell in new[] { CellKind.Lstm, CellKind.Gru, CellKind.Rnn })
            foreach (var tokens in new[] { TokenizerKind.Char, TokenizerKind.Word })
                data.Add(cell, tokens);
        return data;
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Logits_match_ours_step_by_step_with_the_state_carried(CellKind cell, TokenizerKind tokens)
    {
        var t = TrainedModels.Get(cell, tokens);
        using var onnx = Session(t);
        using var ours = new RecurrentLanguageModel(t.Model, maxBatch: 2, maxSteps: 1);
        ours.LoadParameters(t.Parameters);
        int v = t.Model.VocabSize, steps = 80;
        float[] h = onnx.ZeroState(2), c = onnx.ZeroState(2);
        var expected = new float[2 * v];
        float worst = 0;
        for (int s = 0; s < steps; s++)
        {
            int[] batch = [t.Tokens[s], t.Tokens[t.Tokens.Length / 2 + s]];
            ours.NextLogits(batch, expected);
            (var logits, h, c) = onnx.Run([batch[0], batch[1]], batch: 2, time: 1, h, c);
            worst = Math.Max(worst, MaxDifference(expected, logits));
        }
        output.WriteLine($"{cell} {tokens} (V={v}): max |logit difference| over {steps} steps × 2 sequences = {worst:E2}");
        Assert.True(worst < Tolerance, $"max |difference| {worst:E2} ≥ {Tolerance:E0}");
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void A_whole_window_in_one_call_matches_ours_step_by_step(CellKind cell, TokenizerKind tokens)
    {
        var t = TrainedModels.Get(cell, tokens);
        using var onnx = Session(t);
        using var ours = new RecurrentLanguageModel(t.Model, maxBatch: 2, maxSteps: 1);
        ours.LoadParameters(t.Parameters);
        int v = t.Model.VocabSize, time = 30, offset = t.Tokens.Length / 3;
        var ids = new long[2 * time];
        for (int i = 0; i < time; i++)
        {
            ids[i] = t.Tokens[i];
            ids[time + i] = t.Tokens[offset + i];
        }
        var (logits, _, _) = onnx.Run(ids, batch: 2, time, onnx.ZeroState(2), onnx.ZeroState(2));
        var expected = new float[2 * v];
        float worst = 0;
        for (int s = 0; s < time; s++)
        {
            ours.NextLogits([(int)ids[s], (int)ids[time + s]], expected);
            for (int b = 0; b < 2; b++)
                worst = Math.Max(worst, MaxDifference(expected.AsSpan(b * v, v), logits.AsSpan((b * time + s) * v, v)));
        }
        Assert.True(worst < Tolerance, $"max |difference| {worst:E2} ≥ {Tolerance:E0}");
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Greedy_generation_of_200_tokens_gives_the_same_text_as_ours(CellKind cell, TokenizerKind tokens)
    {
        var t = TrainedModels.Get(cell, tokens);
        var tokenizer = TokenizerFactory.Create(t.Vocabulary);
        string prime = tokenizer.Decode(t.Tokens.AsSpan(0, 6).ToArray());
        using var generator = new TextGenerator(t.Model, t.Parameters, t.Vocabulary);
        string expected = generator.Generate(new GenerationOptions(Length: 200, Temperature: 0f, Prime: prime));

        using var onnx = Session(t);
        var primeIds = tokenizer.Encode(prime, UnknownTextPolicy.Skip);
        var (logits, h, c) = onnx.Run(primeIds.Select(i => (long)i).ToArray(), batch: 1, primeIds.Length, onnx.ZeroState(1), onnx.ZeroState(1));
        int v = t.Model.VocabSize;
        var last = logits.AsSpan((primeIds.Length - 1) * v, v).ToArray();
        var generated = new int[200];
        float margin = float.MaxValue;
        for (int i = 0; i < generated.Length; i++)
        {
            generated[i] = ArgMax(last, out float gap);
            margin = Math.Min(margin, gap);
            (last, h, c) = onnx.Run([generated[i]], batch: 1, time: 1, h, c);
        }
        string actual = prime + tokenizer.Decode(generated);
        output.WriteLine($"{cell} {tokens}: smallest top-1/top-2 logit gap on the path {margin:E2}; text: {actual[..Math.Min(80, actual.Length)]}…");
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void The_graph_declares_tokens_and_states_in_and_logits_and_states_out()
    {
        var lstm = TrainedModels.Get(CellKind.Lstm, TokenizerKind.Char);
        using (var onnx = Session(lstm))
        {
            Assert.Equal(["tokens", "h0", "c0"], onnx.InputNames);
            Assert.Equal(["logits", "hn", "cn"], onnx.OutputNames);
        }
        var gru = TrainedModels.Get(CellKind.Gru, TokenizerKind.Word);
        using (var onnx = Session(gru))
        {
            Assert.Equal(["tokens", "h0"], onnx.InputNames);
            Assert.Equal(["logits", "hn"], onnx.OutputNames);
        }
    }

    private static OnnxSession Session(TrainedModels.Trained t) =>
        new(OnnxExport.Serialize(t.Model, t.Vocabulary, t.Parameters, "test", 150), t.Model.Layers, t.Model.Hidden, t.Model.Cell == CellKind.Lstm);

    /// <summary>The lowest id among the largest logits, as <see cref="TokenSampler"/> picks at temperature 0; gap: to the runner-up.</summary>
    private static int ArgMax(ReadOnlySpan<float> logits, out float gap)
    {
        int best = 0;
        for (int i = 1; i < logits.Length; i++)
            if (logits[i] > logits[best])
                best = i;
        float second = float.NegativeInfinity;
        for (int i = 0; i < logits.Length; i++)
            if (i != best && logits[i] > second)
                second = logits[i];
        gap = logits[best] - second;
        return best;
    }

    private static float MaxDifference(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        Assert.Equal(a.Length, b.Length);
        float worst = 0;
        for (int i = 0; i < a.Length; i++)
            worst = Math.Max(worst, Math.Abs(a[i] - b[i]));
        return worst;
    }
}
