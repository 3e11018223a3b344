using System.Text;

namespace RnnCluster.Core.Text;

/// <summary>
/// One token per Unicode scalar value (a <see cref="Rune"/>), so a CJK character or an emoji
/// outside the BMP is one token rather than two meaningless surrogate halves.
/// </summary>
public sealed class CharTokenizer : ITokenizer
{
    private readonly Dictionary<int, int> _idOfScalar;

    public CharTokenizer(Vocabulary vocabulary)
    {
        ArgumentNullException.ThrowIfNull(vocabulary);
        if (vocabulary.Kind != TokenizerKind.Char)
            throw new ArgumentException($"A character tokenizer needs a {TokenizerKind.Char} vocabulary, not {vocabulary.Kind}.", nameof(vocabulary));
        _idOfScalar = new Dictionary<int, int>(vocabulary.Count);
        for (int id = 0; id < vocabulary.Count; id++)
        {
            string token = vocabulary.Tokens[id];
            if (Rune.DecodeFromUtf16(token, out Rune rune, out int consumed) != System.Buffers.OperationStatus.Done || consumed != token.Length)
                throw new ArgumentException($"Token {id} ('{token}') of a character vocabulary is not exactly one Unicode scalar value.", nameof(vocabulary));
            _idOfScalar.Add(rune.Value, id);
        }
        Vocabulary = vocabulary;
    }

    public Vocabulary Vocabulary { get; }

    /// <summary>
    /// The distinct scalars of <paramref name="corpus"/> in ascending code-point order (so the
    /// same corpus always yields the same ids), with no unknown token: a character model never
    /// needs to emit one.
    /// </summary>
    public static CharTokenizer Build(string corpus)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        var scalars = new SortedSet<int>();
        for (int i = 0; i < corpus.Length;)
        {
            scalars.Add(RuneText.ReadAt(corpus, i, out int width).Value);
            i += width;
        }
        if (scalars.Count == 0)
            throw new ArgumentException("Cannot build a character vocabulary from empty text.", nameof(corpus));
        var tokens = scalars.Select(s => new Rune(s).ToString()).ToArray();
        return new CharTokenizer(new Vocabulary(TokenizerKind.Char, tokens, unknownId: -1));
    }

    public int[] Encode(string text) => Encode(text, UnknownTextPolicy.Throw);

    public int[] Encode(string text, UnknownTextPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new int[text.Length]; // an upper bound: a scalar takes one or two chars
        int count = 0;
        for (int i = 0; i < text.Length;)
        {
            Rune rune = RuneText.ReadAt(text, i, out int width);
            if (_idOfScalar.TryGetValue(rune.Value, out int id))
                ids[count++] = id;
            else if (Vocabulary.UnknownId >= 0)
                ids[count++] = Vocabulary.UnknownId;
            else if (policy == UnknownTextPolicy.Throw)
                throw new ArgumentException(
                    $"Character {RuneText.Describe(rune)} at index {i} is not in the vocabulary of {Vocabulary.Count} characters.", nameof(text));
            i += width;
        }
        return count == ids.Length ? ids : ids[..count];
    }

    public string Decode(ReadOnlySpan<int> ids) => TokenText.Concat(Vocabulary, ids);
}
