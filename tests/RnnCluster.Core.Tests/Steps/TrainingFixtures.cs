using RnnCluster.Core.Data;
using RnnCluster.Core.Model;
using RnnCluster.Core.Optim;
using RnnCluster.Core.Steps;
using RnnCluster.Core.Text;

namespace RnnCluster.Core.Tests.Steps;

internal static class TrainingFixtures
{
    public const string Text = "the quick brown fox jumps over the lazy dog. 长短期记忆网络是一种循环神经网络。 emoji 🦊🐶! ";

    public static (ModelDescription Model, TrainingSettings Settings, int[] Tokens) Small(
        CellKind cell = CellKind.Lstm, float dropout = 0.1f, int microBatches = 4, OptimizerKind optimizer = OptimizerKind.Adam, string? text = null, int layers = 2)
    {
        var tokenizer = CharTokenizer.Build(text ?? string.Concat(Enumerable.Repeat(Text, 6)));
        var tokens = tokenizer.Encode(text ?? string.Concat(Enumerable.Repeat(Text, 6)));
        var model = new ModelDescription(cell, tokenizer.Vocabulary.Count, Embed: 8, Hidden: 20, Layers: layers, Dropout: dropout);
        var settings = new TrainingSettings(Seed: 11, SeqLen: 12, Batch: 8, MicroBatches: microBatches,
            new OptimizerSettings(optimizer, LearningRate: 1e-2f), new LrSchedule(LrScheduleKind.WarmupCosine, 5, 100), ClipNorm: 1f);
        return (model, settings, tokens);
    }

    /// <summary>The Small model's initial state with M micro-batches of two sequences, and each micro-batch's gradient at step 0.</summary>
    public static (TrainingState State, float[][] Leaves) LeafGradients(int microBatches)
    {
        var (model, settings, tokens) = Small(microBatches: 1);
        settings = settings with { Batch = microBatches * 2, MicroBatches = microBatches };
        var state = TrainingState.Initial(model, settings);
        using var computer = new GradientComputer(model, settings, tokens);
        computer.SetParameters(state.Parameters);
        var leaves = new float[microBatches][];
        for (int m = 0; m < microBatches; m++)
        {
            leaves[m] = new float[state.Layout.TotalSize];
            computer.Compute(0, m, leaves[m]);
        }
        return (state, leaves);
    }

    public static byte[] Bytes(ReadOnlySpan<float> values) => System.Runtime.InteropServices.MemoryMarshal.AsBytes(values).ToArray();
}
