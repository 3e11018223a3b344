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
/// `train --tokens word`) instead of characters; --softmax adaptive [--cutoffs 2000,6000] puts the
/// adaptive softmax on top (cutoffs default to 10% and 40% of the vocabulary, as `train`).
/// </summary>
internal sealed record ReferenceConfig(ModelDescription Model, TrainingSettings Settings, ITokenizer Tokenizer, int[] Tokens)
{
    public static ReferenceConfig From(BenchmarkOptions o)
    {
        var cell = Enum.Parse<CellKind>(o.String("cell") ?? "lstm", ignoreCase: true);
        string text = CorpusLoader.Load(o.String("corpus") ?? BenchmarkOptions.DefaultCorpusPath());
        var tokenizer = BuildTokenizer(o, text);
        var model = new ModelDescription(cell, tokenizer.Vocabulary.Count, o.Int("embed", 64), o.Int("hidden", 256), o.Int("layers", 2), 0f)
        {
            Softmax = Softmax(o, tokenizer.Vocabulary.Count),
        };
        var settings = new TrainingSettings(1, o.Int("seq", 64), o.Int("batch", 32), MicroBatches: 1,
            new OptimizerSettings(OptimizerKind.Adam, 2e-3f), new LrSchedule(), ClipNorm: 5f);
        return new ReferenceConfig(model, settings, tokenizer, tokenizer.Encode(text));
    }

    /// <summary>--tokens char|word [--max-vocab N].</summary>
    public static ITokenizer BuildTokenizer(BenchmarkOptions o, string text) => (o.String("tokens") ?? "char") switch
    {
        "char" => CharTokenizer.Build(text),
        "word" => WordTokenizer.Build(text, o.Int("max-vocab", WordTokenizer.DefaultMaxVocabularySize)),
        var other => throw new ArgumentException($"--tokens takes char or word, not '{other}'."),
    };

    /// <summary>--softmax full|adaptive [--cutoffs c0,c1,…].</summary>
    public static SoftmaxHead Softmax(BenchmarkOptions o, int vocab) => (o.String("softmax") ?? "full") switch
    {
        "full" => SoftmaxHead.Full,
        "adaptive" => SoftmaxHead.Adaptive(o.String("cutoffs") is { } c
            ? c.Split(',').Select(x => int.Parse(x, System.Globalization.CultureInfo.InvariantCulture))
            : SoftmaxHead.DefaultCutoffs(vocab)),
        var other => throw new ArgumentException($"--softmax takes full or adaptive, not '{other}'."),
    };

    public int TokensPerStep => Settings.Batch * Settings.SeqLen;

    /// <summary>"lstm vocab=… embed=…; T=64 B=32" for the benchmark's first line.</summary>
    public string Describe() => $"{Model}; T={Settings.SeqLen} B={Settings.Batch}";
}
