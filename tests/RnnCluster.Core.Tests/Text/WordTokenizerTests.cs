using RnnCluster.Core.Text;

namespace RnnCluster.Core.Tests.Text;

public class WordTokenizerTests
{
    private static string[] Tokens(WordTokenizer tokenizer, string text) =>
        tokenizer.Encode(text).Select(id => tokenizer.Vocabulary.Tokens[id]).ToArray();

    [Fact]
    public void Splits_words_punctuation_and_whitespace_runs()
    {
        const string text = "Don't panic, it's 42!\n\n  Ok";
        var tokenizer = WordTokenizer.Build(text);

        Assert.Equal(["Don't", " ", "panic", ",", " ", "it's", " ", "42", "!", "\n\n  ", "Ok"], Tokens(tokenizer, text));
        Assert.Equal(text, tokenizer.Decode(tokenizer.Encode(text)));
    }

    [Fact]
    public void Apostrophes_stay_inside_words_only()
    {
        const string text = "'tis the dogs' rock\u2019n\u2019roll";
        var tokenizer = WordTokenizer.Build(text);

        Assert.Equal(["'", "tis", " ", "the", " ", "dogs", "'", " ", "rock\u2019n\u2019roll"], Tokens(tokenizer, text));
    }

    [Fact]
    public void Accents_emoji_and_dashes_round_trip()
    {
        const string text = "Café \u2615 naïve \U0001F980\U0001F980 \u2014 e\u0301te\u0301";
        var tokenizer = WordTokenizer.Build(text);

        Assert.Equal(["Café", " ", "\u2615", " ", "naïve", " ", "\U0001F980", "\U0001F980", " ", "\u2014", " ", "e\u0301te\u0301"], Tokens(tokenizer, text));
        Assert.Equal(text, tokenizer.Decode(tokenizer.Encode(text)));
    }

    [Fact]
    public void Vocabulary_is_unknown_then_most_frequent_first_capped()
    {
        // counts: " " 6, b 3, a 2, c 1, d 1
        var tokenizer = WordTokenizer.Build("b a b c a b d", maxVocabularySize: 4);

        Assert.Equal([Vocabulary.UnknownToken, " ", "b", "a"], tokenizer.Vocabulary.Tokens);
        Assert.Equal(0, tokenizer.Vocabulary.UnknownId);
        Assert.Equal(TokenizerKind.Word, tokenizer.Vocabulary.Kind);
        Assert.Equal([0, 1, 3, 1, 0], tokenizer.Encode("c a d"));
        Assert.Equal("\u2047 a \u2047", tokenizer.Decode(tokenizer.Encode("c a d")));
    }

    [Fact]
    public void Ties_are_broken_by_ordinal_order()
    {
        var tokenizer = WordTokenizer.Build("z y x Z");

        Assert.Equal([Vocabulary.UnknownToken, " ", "Z", "x", "y", "z"], tokenizer.Vocabulary.Tokens);
    }

    [Fact]
    public void Unknown_token_text_in_the_corpus_is_not_duplicated()
    {
        var tokenizer = WordTokenizer.Build("a \u2047 a");

        Assert.Equal([Vocabulary.UnknownToken, " ", "a"], tokenizer.Vocabulary.Tokens);
        Assert.Equal([2, 1, 0, 1, 2], tokenizer.Encode("a \u2047 a"));
    }

    [Fact]
    public void Decode_rejects_ids_outside_the_vocabulary()
    {
        var tokenizer = WordTokenizer.Build("a b");

        var e = Assert.Throws<ArgumentOutOfRangeException>(() => tokenizer.Decode([1, 2, 4]));
        Assert.Contains("Token id 4 at position 2", e.Message);
    }

    [Fact]
    public void Cap_must_leave_room_for_a_word()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => WordTokenizer.Build("a b", maxVocabularySize: 1));
    }

    [Fact]
    public void Vocabulary_without_unknown_honours_the_policy()
    {
        var tokenizer = new WordTokenizer(new Vocabulary(TokenizerKind.Word, ["hello", " ", "world"], -1));

        var e = Assert.Throws<ArgumentException>(() => tokenizer.Encode("hello there"));
        Assert.Contains("'there'", e.Message);
        Assert.Contains("index 6", e.Message);
        Assert.Equal([0, 1], tokenizer.Encode("hello there", UnknownTextPolicy.Skip));
    }

    [Fact]
    public void Factory_rebuilds_from_a_saved_vocabulary()
    {
        const string text = "The cat sat. The cat ran!";
        var original = TokenizerFactory.Build(TokenizerKind.Word, text, maxWordVocabularySize: 5);
        var saved = new Vocabulary(TokenizerKind.Word, original.Vocabulary.Tokens.ToArray(), original.Vocabulary.UnknownId);

        var rebuilt = TokenizerFactory.Create(saved);

        Assert.IsType<WordTokenizer>(rebuilt);
        Assert.Equal(original.Vocabulary, rebuilt.Vocabulary);
        Assert.Equal(original.Encode(text), rebuilt.Encode(text));
        // " " 5, The 2, cat 2 (ordinal: "The" < "cat"); of the singletons "!" sorts first
        Assert.Equal([Vocabulary.UnknownToken, " ", "The", "cat", "!"], rebuilt.Vocabulary.Tokens);
    }
}
