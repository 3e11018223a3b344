namespace RnnCluster.Core.Text;

/// <summary>
/// The tokenizer is fully determined by the vocabulary saved with a model, so loading a model
/// never needs the training corpus.
/// </summary>
public static class TokenizerFactory
{
    public static ITokenizer Create(Vocabulary vocabulary)
    {
        ArgumentNullException.ThrowIfNull(vocabulary);
        return vocabulary.Kind switch
        {
            TokenizerKind.Char => new CharTokenizer(vocabulary),
            TokenizerKind.Word => new WordTokenizer(vocabulary),
            _ => throw new ArgumentException($"Unknown tokenizer kind {(int)vocabulary.Kind}.", nameof(vocabulary)),
        };
    }

    /// <summary>Builds the vocabulary from a training corpus; <paramref name="maxWordVocabularySize"/> applies to word level only.</summary>
    public static ITokenizer Build(TokenizerKind kind, string corpus, int maxWordVocabularySize = WordTokenizer.DefaultMaxVocabularySize) => kind switch
    {
        TokenizerKind.Char => CharTokenizer.Build(corpus),
        TokenizerKind.Word => WordTokenizer.Build(corpus, maxWordVocabularySize),
        _ => throw new ArgumentException($"Unknown tokenizer kind {(int)kind}.", nameof(kind)),
    };
}
