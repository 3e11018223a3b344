using System.Text;

namespace RnnCluster.Core.Text;

/// <summary>Decoding is the same for every tokenizer: concatenate the token texts.</summary>
internal static class TokenText
{
    public static string Concat(Vocabulary vocabulary, ReadOnlySpan<int> ids)
    {
        var text = new StringBuilder(ids.Length);
        for (int i = 0; i < ids.Length; i++)
        {
            int id = ids[i];
            if ((uint)id >= (uint)vocabulary.Count)
                throw new ArgumentOutOfRangeException(nameof(ids), id,
                    $"Token id {id} at position {i} is outside the vocabulary of {vocabulary.Count} tokens (valid ids are 0..{vocabulary.Count - 1}).");
            text.Append(vocabulary.Tokens[id]);
        }
        return text.ToString();
    }
}
