using RnnCluster.Core.Model;
using RnnCluster.Core.Optim;
using RnnCluster.Core.Steps;
using RnnCluster.Core.Text;
using Xunit.Abstractions;

namespace RnnCluster.Core.Tests.Steps;

public sealed class LearningTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(CellKind.Lstm)]
    [InlineData(CellKind.Gru)]
    [InlineData(CellKind.Rnn)]
    public void Overfits_a_short_text_to_near_zero_loss(CellKind cell)
    {
        const string text = "长短期记忆网络 remembers: hello world, hello LSTM! 🦊\n";
        var tokenizer = CharTokenizer.Build(text);
        var tokens = tokenizer.Encode(string.Concat(Enumerable.Repeat(text, 8)));
        var model = new ModelDescription(cell, tokenizer.Vocabulary.Count, 16, 48, 1, 0f);
        var settings = new TrainingSettings(3, SeqLen: 24, Batch: 8, MicroBatches: 2,
            new OptimizerSettings(OptimizerKind.Adam, 1e-2f), new LrSchedule(), ClipNorm: 5f);
        using var trainer = new ReferenceTrainer(TrainingState.Initial(model, settings), tokens);
        double first = trainer.Step().Loss, last = first;
        for (int s = 1; s < 300; s++)
            last = trainer.Step().Loss;
        output.WriteLine($"{cell}: loss {first:F3} → {last:F4} after 300 steps");
        Assert.True(first > 2.5, $"initial loss {first}");
        Assert.True(last < 0.05, $"final loss {last}");
    }
}
