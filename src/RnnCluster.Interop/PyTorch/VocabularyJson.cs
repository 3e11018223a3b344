using System.Text.Encodings.Web;
using System.Text.Json;
using RnnCluster.Core.Text;

namespace RnnCluster.Interop.PyTorch;

/// <summary>
/// A vocabulary as a JSON list of its tokens in id order (id i is element i): the form the
/// exports carry in their metadata and <c>import --vocab FILE</c> reads.
/// </summary>
public static class VocabularyJson
{
    private static readonly JsonSerializerOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Serialize(Vocabulary vocabulary) => JsonSerializer.Serialize(vocabulary.Tokens, Options);

    /// <param name="unknownId">The unknown token's id; null: word level takes the id of "⁇" if listed, character level has none.</param>
    public static Vocabulary Parse(string json, TokenizerKind kind, int? unknownId, string what)
    {
        string[]? tokens;
        try
        {
            tokens = JsonSerializer.Deserialize<string[]>(json);
        }
        catch (JsonException e)
        {
            throw new InteropException($"{what} is not a JSON list of strings: {e.Message}");
        }
        if (tokens is null || tokens.Any(t => t is null))
            throw new InteropException($"{what} is not a JSON list of strings.");
        int unknown = unknownId ?? (kind == TokenizerKind.Word ? Array.IndexOf(tokens, Vocabulary.UnknownToken) : -1);
        try
        {
            var vocabulary = new Vocabulary(kind, tokens, unknown);
            // The tokenizer checks what the vocabulary alone cannot (one scalar per character token).
            TokenizerFactory.Create(vocabulary);
            return vocabulary;
        }
        catch (ArgumentException e)
        {
            throw new InteropException($"{what} is not a usable {kind.ToString().ToLowerInvariant()} vocabulary: {e.Message}");
        }
    }
}
