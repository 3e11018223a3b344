using System.Buffers;
using System.Text;
using System.Text.Unicode;

namespace RnnCluster.Core.Data;

/// <summary>
/// Reads a UTF-8 training text. Decoding is strict: a replacement character silently learned
/// by the model is worse than a refusal that names the bad byte. The text is otherwise
/// returned as is (line endings included), so what the model learns is what the file holds.
/// </summary>
public static class CorpusLoader
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static string Load(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string fullPath = Path.GetFullPath(path);
        if (Directory.Exists(fullPath))
            throw new CorpusException($"Corpus path '{fullPath}' is a directory, not a text file.");
        if (!File.Exists(fullPath))
            throw new CorpusException($"Corpus file '{fullPath}' does not exist.");
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(fullPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CorpusException($"Corpus file '{fullPath}' cannot be read: {e.Message}", e);
        }
        return Decode(bytes, $"Corpus file '{fullPath}'");
    }

    /// <summary>Validates and decodes corpus bytes; <paramref name="description"/> starts every message (e.g. "Corpus file 'x'").</summary>
    public static string Decode(ReadOnlySpan<byte> bytes, string description = "The corpus")
    {
        ReadOnlySpan<byte> bom = [0xEF, 0xBB, 0xBF];
        // Offsets in messages count from the start of the file, BOM included: that is what a hex editor shows.
        int skipped = bytes.StartsWith(bom) ? bom.Length : 0;
        bytes = bytes[skipped..];
        if (skipped == 0 && bytes.Length >= 2 && ((bytes[0] == 0xFF && bytes[1] == 0xFE) || (bytes[0] == 0xFE && bytes[1] == 0xFF)))
            throw new CorpusException($"{description} starts with a UTF-16 byte-order mark ({bytes[0]:X2} {bytes[1]:X2}); save it as UTF-8.");

        if (bytes.IsEmpty)
            throw new CorpusException($"{description} is empty.");
        int nul = bytes.IndexOf((byte)0);
        if (nul >= 0)
            throw new CorpusException($"{description} holds a NUL byte at offset {skipped + nul}; it looks like a binary file, not UTF-8 text.");

        string text;
        try
        {
            text = StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException e)
        {
            // The exception's Index is not documented as an offset into the whole input; locate the sequence ourselves.
            int offset = FirstInvalidUtf8Offset(bytes);
            var next = bytes.Slice(offset, Math.Min(4, bytes.Length - offset)).ToArray();
            throw new CorpusException(
                $"{description} is not valid UTF-8: the byte sequence at byte offset {skipped + offset} is invalid (bytes from there: {string.Join(' ', next.Select(b => b.ToString("X2")))}). It may be binary or in another encoding such as Latin-1; convert it to UTF-8.", e);
        }

        if (string.IsNullOrWhiteSpace(text))
            throw new CorpusException($"{description} holds only whitespace ({text.Length} characters).");
        return text;
    }

    /// <summary>
    /// Training needs at least one window of T inputs and T targets, i.e. T + 1 tokens.
    /// Apply it to the training split when part of the corpus is held out for validation.
    /// </summary>
    public static void EnsureLongEnough(int tokenCount, int seqLen, string description = "The corpus")
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(seqLen);
        long needed = (long)seqLen + 1;
        if (tokenCount < needed)
            throw new CorpusException(
                $"{description} has {tokenCount} tokens, but training with sequence length {seqLen} needs at least {needed} (one window of {seqLen} inputs plus the next token as target). Use a longer text or a shorter sequence length.");
    }

    private static int FirstInvalidUtf8Offset(ReadOnlySpan<byte> bytes)
    {
        char[] buffer = ArrayPool<char>.Shared.Rent(4096);
        try
        {
            int offset = 0;
            while (true)
            {
                var status = Utf8.ToUtf16(bytes[offset..], buffer, out int read, out _, replaceInvalidSequences: false, isFinalBlock: true);
                offset += read;
                if (status == OperationStatus.InvalidData)
                    return offset;
                if (status == OperationStatus.Done)
                    return bytes.Length; // unreachable when strict decoding failed
            }
        }
        finally
        {
            ArrayPool<char>.Shared.Return(buffer);
        }
    }
}
