using System.Globalization;
using System.Text;

namespace RnnCluster.Core.Text;

/// <summary>
/// Cuts text into word-level tokens: maximal runs of letters, marks and digits (an apostrophe
/// between two of them stays inside, as in "don't"), maximal whitespace runs, and single other
/// scalars (punctuation, symbols, emoji). Every character lands in exactly one token, so
/// concatenating the tokens gives the text back.
/// </summary>
internal static class WordSplitter
{
    /// <summary>Length in chars of the token starting at <paramref name="start"/>.</summary>
    public static int TokenLength(string text, int start)
    {
        Rune first = RuneText.ReadAt(text, start, out int width);
        int end = start + width;
        if (Rune.IsWhiteSpace(first))
        {
            while (end < text.Length && Rune.IsWhiteSpace(RuneText.ReadAt(text, end, out width)))
                end += width;
        }
        else if (IsWordScalar(first))
        {
            while (end < text.Length)
            {
                Rune next = RuneText.ReadAt(text, end, out width);
                if (IsWordScalar(next))
                {
                    end += width;
                }
                else if (IsApostrophe(next) && end + width < text.Length
                    && IsWordScalar(RuneText.ReadAt(text, end + width, out int afterWidth)))
                {
                    end += width + afterWidth;
                }
                else
                {
                    break;
                }
            }
        }
        return end - start;
    }

    /// <summary>Letters, combining marks (so accents and Indic vowel signs stay in their word) and numbers.</summary>
    private static bool IsWordScalar(Rune rune) => Rune.GetUnicodeCategory(rune) <= UnicodeCategory.OtherNumber;

    private static bool IsApostrophe(Rune rune) => rune.Value is '\'' or '\u2019';
}
