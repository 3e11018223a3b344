namespace RnnCluster.Core.Text;

/// <summary>
/// The token set of a model, saved with it: id i is Tokens[i]. For character vocabularies a
/// token is one Unicode scalar value (1 or 2 UTF-16 chars); for word vocabularies it is a
/// word, a punctuation mark or a whitespace run, and <see cref="UnknownId"/> stands for the rest.
/// </summary>
public sealed class Vocabulary : IEquatable<Vocabulary>
{
    public const string UnknownToken = "\u2047"; // ⁇: cannot be produced by the word splitter.

    private readonly Dictionary<string, int> _ids;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _spanIds;

    public Vocabulary(TokenizerKind kind, IReadOnlyList<string> tokens, int unknownId)
    {
        if (!Enum.IsDefined(kind))
            throw new ArgumentException($"Unknown tokenizer kind {(int)kind}.", nameof(kind));
        ArgumentNullException.ThrowIfNull(tokens);
        if (unknownId < -1 || unknownId >= tokens.Count)
            throw new ArgumentOutOfRangeException(nameof(unknownId), $"Unknown-token id {unknownId} is outside the vocabulary of {tokens.Count}.");
        Kind = kind;
        Tokens = tokens.ToArray();
        UnknownId = unknownId;
        _ids = new Dictionary<string, int>(Tokens.Count, StringComparer.Ordinal);
        for (int i = 0; i < Tokens.Count; i++)
        {
            if (string.IsNullOrEmpty(Tokens[i]))
                throw new ArgumentException($"Token {i} is empty.", nameof(tokens));
            if (!_ids.TryAdd(Tokens[i], i))
                throw new ArgumentException($"Token {i} ('{Tokens[i]}') appears twice.", nameof(tokens));
        }
        _spanIds = _ids.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public TokenizerKind Kind { get; }

    public IReadOnlyList<string> Tokens { get; }

    /// <summary>Id of the unknown token, or -1 when the vocabulary has none (character level).</summary>
    public int UnknownId { get; }

    public int Count => Tokens.Count;

    public bool TryGetId(string token, out int id) => _ids.TryGetValue(token, out id);

    /// <summary>Looks a token up by a slice of the text, so encoders need not allocate a string per token.</summary>
    public bool TryGetId(ReadOnlySpan<char> token, out int id) => _spanIds.TryGetValue(token, out id);

    public bool Equals(Vocabulary? other) =>
        other is not null && Kind == other.Kind && UnknownId == other.UnknownId && Tokens.SequenceEqual(other.Tokens, StringComparer.Ordinal);

    public override bool Equals(object? obj) => Equals(obj as Vocabulary);

    public override int GetHashCode() => HashCode.Combine(Kind, UnknownId, Count);
}
