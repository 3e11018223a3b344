using RnnCluster.Core.Data;
using RnnCluster.Core.Model;
using RnnCluster.Core.Optim;
using RnnCluster.Core.Text;

namespace RnnCluster.Benchmarks;

/// <summary>
/// The single-thread reference step the benchmarks compare against: the model given by
/// --cell/--embed/--hidden/--layers (config b by default) on the corpus (tinyshakespeare by
/// default), one micro-batch of --batch sequences of --seq tokens, Adam 2e-3, clip 5, seed 1.
/// --tokens word [--max-vocab N] trains on words (the N−1 most frequent and an unknown token, as
/// `train --tokens word`) instead of characters.
/// </summary>
internal sealed record ReferenceConfig(ModelDescription Model, TrainingSettings Settings, ITokenizer Tokenizer, int[] Tokens)
{
    public static ReferenceConfig From(BenchmarkOptions o)
    {
        var cell = Enum.Parse<CellKind>(o.String("cell") ?? "lstm", ignoreCase: true);
        string text = CorpusLoader.Load(o.String("corpus") ?? BenchmarkOptions.DefaultCorpusPath());
        ITokenizer tokenizer = (o.String("tokens") ?? "char") switch
        {
            "char" => CharTokenizer.Build(text),
            "word" => WordTokenizer.Build(text, o.Int("max-vocab", WordTokenizer.DefaultMaxVocabularySize)),
            var other => throw new ArgumentException($"--tokens takes char or word, not '{other}'."),
        };
        var model = new ModelDescription(cell, tokenizer.Vocabulary.Count, o.Int("embed", 64), o.Int("hidden", 256), o.Int("layers", 2), 0f);
        var settings = new TrainingSettings(1, o.Int("seq", 64), o.Int("batch", 32), MicroBatches: 1,
            new OptimizerSettings(OptimizerKind.Adam, 2e-3f), new LrSchedule(), ClipNorm: 5f);
        return new ReferenceConfig(model, settings, tokenizer, tokenizer.Encode(text));
    }

    public int TokensPerStep => Settings.Batch * Settings.SeqLen;

    /// <summary>"lstm vocab=… embed=…; T=64 B=32" for the benchmark's first line.</summary>
    public string Describe() => $"{Model}; T={Settings.SeqLen} B={Settings.Batch}";
}
