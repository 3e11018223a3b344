using RnnCluster.Core.Data;
using RnnCluster.Core.Text;

namespace RnnCluster.Core.Tests.Data;

public class BuiltInDatasetsTests
{
    [Fact]
    public void Reber_text_is_fixed_small_and_grammatical()
    {
        string text = BuiltInDatasets.Get("reber");

        string[] lines = text.Split('\n');
        Assert.Equal(BuiltInDatasets.ReberStringCount, lines.Length);
        Assert.All(lines, line => Assert.True(ReberGrammar.Accepts(line), line));
        Assert.InRange(text.Length, 40_000, 100_000);
        Assert.Same(text, BuiltInDatasets.Get("Reber"));
        Assert.Equal(BuiltInDatasets.GenerateReberText(BuiltInDatasets.ReberStringCount, BuiltInDatasets.ReberSeed), text);
        Assert.Equal(["\n", "B", "E", "P", "S", "T", "V", "X"], CharTokenizer.Build(text).Vocabulary.Tokens);
    }

    [Fact]
    public void Reber_text_never_changes()
    {
        // Pinned from an independent re-implementation of SplitMix64 and the generator: a model
        // trained on "reber" must see the same text on every node and in every release.
        string text = BuiltInDatasets.Get("reber");

        Assert.Equal(77_862, text.Length);
        Assert.StartsWith("BPBPTVVEPE\nBTBPVVETE\nBPBPTVPXTVPXTTVPXTTTVVEPE\nBTBPTVPXTTTVVETE\nBTBPTTVPXVPXVPSETE\n", text);
        Assert.Equal(38, text.Split('\n').Max(line => line.Length));
    }

    [Fact]
    public void Tiny_text_is_prose_with_a_usable_vocabulary()
    {
        string text = BuiltInDatasets.Get("tiny");

        Assert.InRange(text.Length, 2_000, 20_000);
        Assert.StartsWith("The Lighthouse Keeper", text);
        var words = WordTokenizer.Build(text, 200);
        Assert.Equal(200, words.Vocabulary.Count);
        Assert.Equal(" ", words.Vocabulary.Tokens[1]);
        Assert.InRange(CharTokenizer.Build(text).Vocabulary.Count, 30, 90);
    }

    [Fact]
    public void Unknown_name_lists_the_available_datasets()
    {
        var e = Assert.Throws<ArgumentException>(() => BuiltInDatasets.Get("shakespeare"));
        Assert.Contains("'shakespeare'", e.Message);
        Assert.Contains("reber, tiny", e.Message);
        Assert.False(BuiltInDatasets.TryGet("shakespeare", out _));
    }
}
