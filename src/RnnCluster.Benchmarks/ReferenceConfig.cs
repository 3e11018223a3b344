using RnnCluster.Core.Data;
using RnnCluster.Core.Model;
using RnnCluster.Core.Optim;
using RnnCluster.Core.Text;

namespace RnnCluster.Benchmarks;

/// <summary>
/// The single-thread reference step the benchmarks compare against: the model given by
/// --cell/--embed/--hidden/--layers (config b by default) on the corpus (tinyshakespeare by
/// default), one micro-batch of --batch sequences of --seq tokens, Adam 2e-3, clip 5, seed 1.
/// </summary>
internal sealed record ReferenceConfig(ModelDescription Model, TrainingSettings Settings, CharTokenizer Tokenizer, int[] Tokens)
{
    public static ReferenceConfig From(BenchmarkOptions o)
    {
        var cell = Enum.Parse<CellKind>(o.String("cell") ?? "lstm", ignoreCase: true);
        string text = CorpusLoader.Load(o.String("corpus") ?? BenchmarkOptions.DefaultCorpusPath());
        var tokenizer = CharTokenizer.Build(text);
        var model = new ModelDescription(cell, tokenizer.Vocabulary.Count, o.Int("embed", 64), o.Int("hidden", 256), o.Int("layers", 2), 0f);
        var settings = new TrainingSettings(1, o.Int("seq", 64), o.Int("batch", 32), MicroBatches: 1,
            new OptimizerSettings(OptimizerKind.Adam, 2e-3f), new LrSchedule(), ClipNorm: 5f);
        return new ReferenceConfig(model, settings, tokenizer, tokenizer.Encode(text));
    }

    public int TokensPerStep => Settings.Batch * Settings.SeqLen;

    /// <summary>"lstm vocab=… embed=…; T=64 B=32" for the benchmark's first line.</summary>
    public string Describe() => $"{Model}; T={Settings.SeqLen} B={Settings.Batch}";
}
