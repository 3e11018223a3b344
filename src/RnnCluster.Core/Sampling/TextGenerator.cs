using RnnCluster.Core.Memory;
using RnnCluster.Core.Model;
using RnnCluster.Core.Text;

namespace RnnCluster.Core.Sampling;

/// <summary>
/// Samples text from trained parameters: feeds the priming text through the model one token at
/// a time (carrying the recurrent state), then draws each next token from the logits. The same
/// parameters, options and seed give the same text.
/// </summary>
public sealed class TextGenerator : IDisposable
{
    private readonly RecurrentLanguageModel _model;
    private readonly ITokenizer _tokenizer;
    private readonly float[] _logits;

    public TextGenerator(ModelDescription model, ReadOnlySpan<float> parameters, Vocabulary vocabulary)
    {
        if (vocabulary.Count != model.VocabSize)
            throw new ArgumentException($"The vocabulary has {vocabulary.Count} tokens but the model predicts {model.VocabSize}.", nameof(vocabulary));
        _model = new RecurrentLanguageModel(model, maxBatch: 1, maxSteps: 1);
        _model.LoadParameters(parameters);
        _tokenizer = TokenizerFactory.Create(vocabulary);
        _logits = new float[model.VocabSize];
    }

    /// <summary>The priming text followed by <see cref="GenerationOptions.Length"/> generated tokens.</summary>
    public string Generate(GenerationOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(options.Length);
        var rng = new SplitMix64(options.Seed);
        _model.ResetState();
        var prime = _tokenizer.Encode(options.Prime, UnknownTextPolicy.Skip);
        if (prime.Length == 0)
            prime = [StartToken()];
        int[] token = new int[1];
        foreach (int id in prime)
        {
            token[0] = id;
            _model.NextLogits(token, _logits);
        }
        var generated = new int[options.Length];
        for (int i = 0; i < options.Length; i++)
        {
            int next = TokenSampler.Sample(_logits, options.Temperature, options.TopK, ref rng);
            generated[i] = next;
            token[0] = next;
            _model.NextLogits(token, _logits);
        }
        return options.Prime + _tokenizer.Decode(generated);
    }

    /// <summary>Without priming text, start as if after a line break (or a space), the most neutral context.</summary>
    private int StartToken()
    {
        var vocabulary = _tokenizer.Vocabulary;
        if (vocabulary.TryGetId("\n", out int id) || vocabulary.TryGetId(" ", out id))
            return id;
        return 0;
    }

    public void Dispose() => _model.Dispose();
}
