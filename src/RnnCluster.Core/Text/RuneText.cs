using System.Buffers;
using System.Globalization;
using System.Text;

namespace RnnCluster.Core.Text;

/// <summary>Unicode scalar helpers shared by the tokenizers.</summary>
internal static class RuneText
{
    /// <summary>
    /// Reads the scalar at <paramref name="index"/>. A lone surrogate cannot be a token (it has no
    /// UTF-8 form, so a saved vocabulary or a generated text could not hold it), hence the throw.
    /// </summary>
    public static Rune ReadAt(string text, int index, out int charCount)
    {
        if (Rune.DecodeFromUtf16(text.AsSpan(index), out Rune rune, out charCount) != OperationStatus.Done)
            throw new ArgumentException($"The text holds a lone surrogate (U+{(int)text[index]:X4}) at index {index}; it is not valid Unicode.", nameof(text));
        return rune;
    }

    /// <summary>A readable name for messages: invisible characters are shown only by code point.</summary>
    public static string Describe(Rune rune)
    {
        var category = Rune.GetUnicodeCategory(rune);
        bool invisible = Rune.IsControl(rune) || Rune.IsWhiteSpace(rune)
            || category is UnicodeCategory.Format or UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark;
        return invisible ? $"U+{rune.Value:X4}" : $"'{rune}' (U+{rune.Value:X4})";
    }

    public static string Describe(ReadOnlySpan<char> token)
    {
        if (Rune.DecodeFromUtf16(token, out Rune rune, out int consumed) == OperationStatus.Done && consumed == token.Length)
            return Describe(rune);
        return $"'{token}'";
    }
}
