using RnnCluster.Core.Data;
using RnnCluster.Core.Model;
using RnnCluster.Core.Optim;
using RnnCluster.Core.Steps;
using RnnCluster.Core.Text;

namespace RnnCluster.Interop.Tests;

/// <summary>
/// Small two-layer models trained for real (on the built-in tiny corpus), so their predictions
/// are peaked as a user's are, rather than the near-uniform output of fresh weights.
/// </summary>
internal static class TrainedModels
{
    public sealed record Trained(ModelDescription Model, Vocabulary Vocabulary, float[] Parameters, int[] Tokens);

    /// <summary>The adaptive softmax of <see cref="GetAdaptive"/>: word level (V = 334), hidden 40, so projections of 10 and 2.</summary>
    public static readonly SoftmaxHead AdaptiveCutoffs = SoftmaxHead.Adaptive([60, 200]);

    private static readonly Dictionary<(CellKind, TokenizerKind, string), Trained> Cache = new();

    public static Trained Get(CellKind cell, TokenizerKind tokens) => Get(cell, tokens, SoftmaxHead.Full);

    /// <summary>A word-level model with the adaptive softmax (<see cref="AdaptiveCutoffs"/>).</summary>
    public static Trained GetAdaptive(CellKind cell) => Get(cell, TokenizerKind.Word, AdaptiveCutoffs);

    private static Trained Get(CellKind cell, TokenizerKind tokens, SoftmaxHead softmax)
    {
        lock (Cache)
        {
            var key = (cell, tokens, softmax.Describe());
            if (!Cache.TryGetValue(key, out var trained))
                Cache[key] = trained = Train(cell, tokens, softmax);
            return trained;
        }
    }

    private static Trained Train(CellKind cell, TokenizerKind kind, SoftmaxHead softmax)
    {
        string text = BuiltInDatasets.Get(BuiltInDatasets.Tiny);
        var tokenizer = TokenizerFactory.Build(kind, text);
        var ids = tokenizer.Encode(text);
        var model = new ModelDescription(cell, tokenizer.Vocabulary.Count, Embed: 16, Hidden: 40, Layers: 2, Dropout: 0.1f) { Softmax = softmax };
        var settings = new TrainingSettings(Seed: 5, SeqLen: 24, Batch: 8, MicroBatches: 2,
            new OptimizerSettings(OptimizerKind.Adam, 1e-2f), new LrSchedule(), ClipNorm: 5f);
        using var trainer = new ReferenceTrainer(TrainingState.Initial(model, settings), ids);
        for (int s = 0; s < 150; s++)
            trainer.Step();
        return new Trained(model, tokenizer.Vocabulary, trainer.State.Parameters.ToArray(), ids);
    }
}
