namespace RnnCluster.Core.Text;

/// <summary>
/// Word-level tokens (see <see cref="WordSplitter"/>): words, single punctuation marks and
/// whitespace runs, so decoding in-vocabulary text reproduces it exactly, spacing included.
/// Scripts written without spaces (Chinese) become one token per run; use characters there.
/// </summary>
public sealed class WordTokenizer : ITokenizer
{
    public const int DefaultMaxVocabularySize = 10_000;

    public WordTokenizer(Vocabulary vocabulary)
    {
        ArgumentNullException.ThrowIfNull(vocabulary);
        if (vocabulary.Kind != TokenizerKind.Word)
            throw new ArgumentException($"A word tokenizer needs a {TokenizerKind.Word} vocabulary, not {vocabulary.Kind}.", nameof(vocabulary));
        Vocabulary = vocabulary;
    }

    public Vocabulary Vocabulary { get; }

    /// <summary>
    /// Id 0 is <see cref="Vocabulary.UnknownToken"/>, then the <paramref name="maxVocabularySize"/> - 1
    /// most frequent tokens, ties in ordinal order so the vocabulary is a pure function of the corpus.
    /// The cap counts the unknown token, so it is the model's output size.
    /// </summary>
    public static WordTokenizer Build(string corpus, int maxVocabularySize = DefaultMaxVocabularySize)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        if (maxVocabularySize < 2)
            throw new ArgumentOutOfRangeException(nameof(maxVocabularySize), maxVocabularySize,
                "A word vocabulary needs room for the unknown token and at least one word.");
        if (corpus.Length == 0)
            throw new ArgumentException("Cannot build a word vocabulary from empty text.", nameof(corpus));

        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        var lookup = counts.GetAlternateLookup<ReadOnlySpan<char>>();
        for (int i = 0; i < corpus.Length;)
        {
            int length = WordSplitter.TokenLength(corpus, i);
            ReadOnlySpan<char> token = corpus.AsSpan(i, length);
            // The corpus may itself contain "⁇"; it then simply encodes as the unknown id.
            if (!token.SequenceEqual(Vocabulary.UnknownToken))
                lookup[token] = lookup.TryGetValue(token, out int n) ? n + 1 : 1;
            i += length;
        }

        var tokens = new List<string>(Math.Min(counts.Count, maxVocabularySize - 1) + 1) { Vocabulary.UnknownToken };
        tokens.AddRange(counts
            .OrderByDescending(pair => pair.Value)
            .ThenBy(pair => pair.Key, StringComparer.Ordinal)
            .Take(maxVocabularySize - 1)
            .Select(pair => pair.Key));
        return new WordTokenizer(new Vocabulary(TokenizerKind.Word, tokens, unknownId: 0));
    }

    public int[] Encode(string text) => Encode(text, UnknownTextPolicy.Throw);

    public int[] Encode(string text, UnknownTextPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>(text.Length / 4 + 1);
        for (int i = 0; i < text.Length;)
        {
            int length = WordSplitter.TokenLength(text, i);
            ReadOnlySpan<char> token = text.AsSpan(i, length);
            if (Vocabulary.TryGetId(token, out int id))
                ids.Add(id);
            else if (Vocabulary.UnknownId >= 0)
                ids.Add(Vocabulary.UnknownId);
            else if (policy == UnknownTextPolicy.Throw)
                throw new ArgumentException(
                    $"Token {RuneText.Describe(token)} at index {i} is not in the vocabulary of {Vocabulary.Count} tokens, which has no unknown token.", nameof(text));
            i += length;
        }
        return ids.ToArray();
    }

    public string Decode(ReadOnlySpan<int> ids) => TokenText.Concat(Vocabulary, ids);
}
