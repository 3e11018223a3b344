using System.Text;
using RnnCluster.Core.Data;

namespace RnnCluster.Core.Tests.Data;

public sealed class CorpusLoaderTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("rnncluster-corpus-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string Write(string name, byte[] bytes)
    {
        string path = Path.Combine(_directory, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Fact]
    public void Loads_utf8_text_unchanged()
    {
        string text = "Hello, 世界 \U0001F980\r\nline two\n";
        string path = Write("ok.txt", Encoding.UTF8.GetBytes(text));

        Assert.Equal(text, CorpusLoader.Load(path));
    }

    [Fact]
    public void Missing_file_names_the_path()
    {
        string path = Path.Combine(_directory, "nope.txt");

        var e = Assert.Throws<CorpusException>(() => CorpusLoader.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("does not exist", e.Message);
    }

    [Fact]
    public void Directory_is_not_a_corpus()
    {
        var e = Assert.Throws<CorpusException>(() => CorpusLoader.Load(_directory));
        Assert.Contains("is a directory", e.Message);
    }

    [Fact]
    public void Empty_file_is_rejected()
    {
        string path = Write("empty.txt", []);

        var e = Assert.Throws<CorpusException>(() => CorpusLoader.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("is empty", e.Message);
    }

    [Fact]
    public void Bom_only_file_is_empty()
    {
        string path = Write("bom.txt", [0xEF, 0xBB, 0xBF]);

        Assert.Contains("is empty", Assert.Throws<CorpusException>(() => CorpusLoader.Load(path)).Message);
    }

    [Fact]
    public void Whitespace_only_file_is_rejected()
    {
        string path = Write("blank.txt", Encoding.UTF8.GetBytes(" \n\t \r\n "));

        var e = Assert.Throws<CorpusException>(() => CorpusLoader.Load(path));
        Assert.Contains("only whitespace", e.Message);
    }

    [Fact]
    public void Nul_byte_is_reported_as_binary_with_its_offset()
    {
        string path = Write("binary.bin", [(byte)'a', (byte)'b', 0, (byte)'c']);

        var e = Assert.Throws<CorpusException>(() => CorpusLoader.Load(path));
        Assert.Contains("NUL byte at offset 2", e.Message);
        Assert.Contains("binary", e.Message);
    }

    [Fact]
    public void Invalid_utf8_names_the_offset_of_the_first_bad_sequence()
    {
        byte[] bytes = [.. Encoding.UTF8.GetBytes("h\u00e9llo"), 0xC3, 0x28, (byte)'x', 0xFF];
        string path = Write("latin.txt", bytes);

        var e = Assert.Throws<CorpusException>(() => CorpusLoader.Load(path));
        Assert.Contains("byte offset 6", e.Message); // "héllo" is 6 bytes
        Assert.Contains("C3 28 78 FF", e.Message);
        Assert.IsType<DecoderFallbackException>(e.InnerException);
    }

    [Fact]
    public void Invalid_byte_far_into_the_file_is_located_exactly()
    {
        byte[] bytes = [.. Encoding.UTF8.GetBytes(new string('\u00e9', 50_000)), 0xFF, (byte)'a'];

        var e = Assert.Throws<CorpusException>(() => CorpusLoader.Decode(bytes));
        Assert.Contains("byte offset 100000", e.Message);
    }

    [Fact]
    public void Truncated_sequence_at_end_and_encoded_surrogates_are_invalid()
    {
        var truncated = Assert.Throws<CorpusException>(() => CorpusLoader.Decode([(byte)'a', (byte)'b', (byte)'c', 0xE2, 0x82]));
        Assert.Contains("byte offset 3", truncated.Message);

        var surrogate = Assert.Throws<CorpusException>(() => CorpusLoader.Decode([(byte)'a', 0xED, 0xA0, 0x80]));
        Assert.Contains("byte offset 1", surrogate.Message);
    }

    [Fact]
    public void Offset_counts_from_the_file_start_including_the_bom()
    {
        // The BOM is stripped before decoding, but people look at offsets in the file.
        var e = Assert.Throws<CorpusException>(() => CorpusLoader.Decode([0xEF, 0xBB, 0xBF, (byte)'a', 0xFF]));
        Assert.Contains("byte offset 4", e.Message);
    }

    [Fact]
    public void Bom_is_stripped()
    {
        string path = Write("bom.txt", [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes("h\u00e9llo")]);

        string text = CorpusLoader.Load(path);

        Assert.Equal("h\u00e9llo", text);
        Assert.Equal(5, text.Length);
    }

    [Fact]
    public void Utf16_file_gets_a_helpful_message()
    {
        string path = Write("utf16.txt", Encoding.Unicode.GetPreamble().Concat(Encoding.Unicode.GetBytes("hi")).ToArray());

        var e = Assert.Throws<CorpusException>(() => CorpusLoader.Load(path));
        Assert.Contains("UTF-16", e.Message);
    }

    [Fact]
    public void Too_short_corpus_says_how_many_tokens_it_has_and_needs()
    {
        var e = Assert.Throws<CorpusException>(() => CorpusLoader.EnsureLongEnough(40, 64));
        Assert.Contains("has 40 tokens", e.Message);
        Assert.Contains("at least 65", e.Message);

        CorpusLoader.EnsureLongEnough(65, 64); // exactly one window
        Assert.Throws<CorpusException>(() => CorpusLoader.EnsureLongEnough(64, 64));
    }
}
