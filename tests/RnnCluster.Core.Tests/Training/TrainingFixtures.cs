using RnnCluster.Core.Data;
using RnnCluster.Core.Model;
using RnnCluster.Core.Optim;
using RnnCluster.Core.Text;

namespace RnnCluster.Core.Tests.Training;

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

    public static byte[] Bytes(ReadOnlySpan<float> values) => System.Runtime.InteropServices.MemoryMarshal.AsBytes(values).ToArray();
}
