namespace RnnCluster.Core.Text;

/// <summary>
/// Turns text into token ids of a <see cref="Text.Vocabulary"/> and back. Implementations are
/// immutable and thread-safe; build one from a saved vocabulary with <see cref="TokenizerFactory.Create"/>.
/// </summary>
public interface ITokenizer
{
    Vocabulary Vocabulary { get; }

    /// <summary>Encodes with <see cref="UnknownTextPolicy.Throw"/>: training data must be fully representable.</summary>
    int[] Encode(string text);

    int[] Encode(string text, UnknownTextPolicy policy);

    /// <summary>Concatenates the tokens; throws <see cref="ArgumentOutOfRangeException"/> for an id outside the vocabulary.</summary>
    string Decode(ReadOnlySpan<int> ids);
}
