using System.Text;
using RnnCluster.Core.Text;

namespace RnnCluster.Core.Tests.Text;

public class CharTokenizerTests
{
    private const string Chinese = "长短期记忆网络是一种循环神经网络。";

    [Fact]
    public void Vocabulary_is_distinct_scalars_in_code_point_order()
    {
        var tokenizer = CharTokenizer.Build("banana");

        Assert.Equal(["a", "b", "n"], tokenizer.Vocabulary.Tokens);
        Assert.Equal(TokenizerKind.Char, tokenizer.Vocabulary.Kind);
        Assert.Equal(-1, tokenizer.Vocabulary.UnknownId);
        Assert.Equal([1, 0, 2, 0, 2, 0], tokenizer.Encode("banana"));
    }

    [Fact]
    public void Chinese_round_trips_one_token_per_character()
    {
        var tokenizer = CharTokenizer.Build(Chinese);

        int[] ids = tokenizer.Encode(Chinese);

        Assert.Equal(17, ids.Length);
        Assert.Equal(15, tokenizer.Vocabulary.Count); // 网 and 络 appear twice
        Assert.Equal(ids[5], ids[14]); // 网
        Assert.Equal(ids[6], ids[15]); // 络
        Assert.Equal("。", tokenizer.Vocabulary.Tokens[0]); // U+3002 is the smallest scalar
        var codePoints = tokenizer.Vocabulary.Tokens.Select(t => char.ConvertToUtf32(t, 0)).ToArray();
        Assert.Equal(codePoints.Order().ToArray(), codePoints);
        Assert.Equal(Chinese, tokenizer.Decode(ids));
    }

    [Fact]
    public void Emoji_outside_the_bmp_is_one_token()
    {
        const string text = "I \u2764\uFE0F \U0001F980 and \U0001F389\U0001F389!";
        var tokenizer = CharTokenizer.Build(text);

        int[] ids = tokenizer.Encode(text);

        // I, ' ', ❤, VS16, ' ', 🦀, ' ', a, n, d, ' ', 🎉, 🎉, !
        Assert.Equal(14, ids.Length);
        Assert.Equal(text.Length - 3, ids.Length); // three surrogate pairs
        Assert.Equal("\U0001F980", tokenizer.Vocabulary.Tokens[^1]); // the largest code point, U+1F980
        Assert.Equal("\U0001F389", tokenizer.Vocabulary.Tokens[^2]);
        Assert.Equal(2, tokenizer.Vocabulary.Tokens[^1].Length);
        Assert.Equal(ids[11], ids[12]);
        Assert.Equal(text, tokenizer.Decode(ids));
    }

    [Fact]
    public void Unknown_character_is_named_with_its_position()
    {
        var tokenizer = CharTokenizer.Build("abc");

        var e = Assert.Throws<ArgumentException>(() => tokenizer.Encode("abzc"));
        Assert.Contains("'z' (U+007A)", e.Message);
        Assert.Contains("index 2", e.Message);

        var emoji = Assert.Throws<ArgumentException>(() => tokenizer.Encode("ab\U0001F980"));
        Assert.Contains("U+1F980", emoji.Message);
        Assert.Contains("index 2", emoji.Message);

        var newline = Assert.Throws<ArgumentException>(() => tokenizer.Encode("a\nb"));
        Assert.Contains("U+000A", newline.Message);
        Assert.Contains("index 1", newline.Message);
    }

    [Fact]
    public void Skip_policy_drops_unknown_characters()
    {
        var tokenizer = CharTokenizer.Build("abc");

        Assert.Equal([0, 1, 2], tokenizer.Encode("a\U0001F980bzc", UnknownTextPolicy.Skip));
        Assert.Empty(tokenizer.Encode("xyz", UnknownTextPolicy.Skip));
    }

    [Fact]
    public void Decode_rejects_ids_outside_the_vocabulary()
    {
        var tokenizer = CharTokenizer.Build("abc");

        var e = Assert.Throws<ArgumentOutOfRangeException>(() => tokenizer.Decode([0, 3]));
        Assert.Contains("Token id 3 at position 1", e.Message);
        Assert.Contains("3 tokens", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => tokenizer.Decode([-1]));
        Assert.Equal("cab", tokenizer.Decode([2, 0, 1]));
    }

    [Fact]
    public void Lone_surrogate_is_rejected()
    {
        var e = Assert.Throws<ArgumentException>(() => CharTokenizer.Build("ab\uD83Dc"));
        Assert.Contains("index 2", e.Message);
    }

    [Fact]
    public void Empty_text_has_no_vocabulary()
    {
        Assert.Throws<ArgumentException>(() => CharTokenizer.Build(""));
    }

    [Fact]
    public void Saved_vocabulary_rebuilds_the_same_tokenizer()
    {
        string text = Chinese + " LSTM \U0001F980";
        var original = CharTokenizer.Build(text);
        var saved = new Vocabulary(original.Vocabulary.Kind, original.Vocabulary.Tokens.ToList(), original.Vocabulary.UnknownId);

        ITokenizer rebuilt = TokenizerFactory.Create(saved);

        Assert.IsType<CharTokenizer>(rebuilt);
        Assert.Equal(original.Encode(text), rebuilt.Encode(text));
        Assert.Equal(text, rebuilt.Decode(rebuilt.Encode(text)));
    }

    [Fact]
    public void Tokens_must_be_single_scalars()
    {
        var vocabulary = new Vocabulary(TokenizerKind.Char, ["a", "bc"], -1);
        var e = Assert.Throws<ArgumentException>(() => new CharTokenizer(vocabulary));
        Assert.Contains("Token 1", e.Message);
    }

    [Fact]
    public void Token_count_matches_rune_count()
    {
        string text = "Zoë 🦀 长 \r\n";
        var tokenizer = CharTokenizer.Build(text);

        Assert.Equal(text.EnumerateRunes().Count(), tokenizer.Encode(text).Length);
        Assert.All(tokenizer.Vocabulary.Tokens, t => Assert.Single(t.EnumerateRunes()));
        Assert.Equal(new Rune('\n').ToString(), tokenizer.Vocabulary.Tokens[0]);
    }
}
