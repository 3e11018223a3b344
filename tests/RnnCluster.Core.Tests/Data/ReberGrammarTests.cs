using System.Text.RegularExpressions;
using RnnCluster.Core.Data;
using RnnCluster.Core.Memory;

namespace RnnCluster.Core.Tests.Data;

public class ReberGrammarTests
{
    // An acceptor written independently of the implementation, from the graph:
    // after "BT" the walk is S* X then node 4; after "BP" it is T* V then node 5;
    // node 4 = (X T* V P)* (S | X T* V V) E and node 5 = V E | P node4.
    private const string Node4 = "(?:XT*VP)*(?:S|XT*VV)E";
    private const string Inner = "B(?:TS*X" + Node4 + "|PT*V(?:VE|P" + Node4 + "))";
    private static readonly Regex Embedded = new("^B(?:T" + Inner + "T|P" + Inner + "P)E$", RegexOptions.CultureInvariant);

    private static List<string> Generate(ulong seed, int count)
    {
        var rng = new SplitMix64(seed);
        var strings = new List<string>(count);
        for (int i = 0; i < count; i++)
            strings.Add(ReberGrammar.Generate(ref rng));
        return strings;
    }

    [Theory]
    [InlineData("BTBTXSETE")]
    [InlineData("BPBPVVEPE")]
    [InlineData("BTBPTVPXVVETE")]
    [InlineData("BPBTSSXXTVPSEPE")]
    public void Acceptor_accepts_hand_derived_strings(string text)
    {
        Assert.Matches(Embedded, text);
        Assert.True(ReberGrammar.Accepts(text));
    }

    [Theory]
    [InlineData("BTBTXSEPE")] // second-to-last differs from second
    [InlineData("BTBTXSET")] // incomplete
    [InlineData("BTBTXXETE")] // X X then E is not a path
    [InlineData("BTBPVETE")] // node 5 needs P or V
    [InlineData("")]
    [InlineData("BTBTXSETEB")]
    public void Invalid_strings_are_rejected(string text)
    {
        Assert.DoesNotMatch(Embedded, text);
        Assert.False(ReberGrammar.Accepts(text));
    }

    [Fact]
    public void Every_generated_string_is_in_the_grammar()
    {
        foreach (string s in Generate(seed: 7, count: 3000))
        {
            Assert.Matches(Embedded, s);
            Assert.True(ReberGrammar.Accepts(s), s);
        }
    }

    [Fact]
    public void Second_symbol_equals_second_to_last_and_both_branches_occur()
    {
        var strings = Generate(seed: 11, count: 2000);

        Assert.All(strings, s => Assert.Equal(s[1], s[^2]));
        int t = strings.Count(s => s[1] == 'T');
        Assert.InRange(t, 900, 1100);
        Assert.Contains(strings, s => s.Length > 20); // loops are taken
    }

    [Fact]
    public void Legal_next_follows_a_hand_checked_string()
    {
        const string text = "BTBPTVPXVVETE";
        string[] expected =
        [
            "B",  // ""
            "PT", // B
            "B",  // BT
            "PT", // BTB
            "TV", // BTBP      node 3
            "TV", // BTBPT     node 3
            "PV", // BTBPTV    node 5
            "SX", // BTBPTVP   node 4
            "TV", // BTBPTVPX  node 3
            "PV", // ...V      node 5
            "E",  // ...VV     node 6
            "T",  // ...E      the embedded symbol again
            "E",  // ...T
            "",   // complete
        ];

        for (int i = 0; i <= text.Length; i++)
            Assert.Equal(expected[i], new string(ReberGrammar.LegalNext(text[..i]).Order().ToArray()));
    }

    [Fact]
    public void Legal_next_remembers_the_embedded_symbol()
    {
        Assert.Equal(['P'], ReberGrammar.LegalNext("BPBTXSE"));
        Assert.Equal(['T'], ReberGrammar.LegalNext("BTBTXSE"));
    }

    [Fact]
    public void Every_symbol_of_generated_strings_is_legal_at_its_position()
    {
        foreach (string s in Generate(seed: 3, count: 300))
        {
            for (int i = 0; i < s.Length; i++)
                Assert.Contains(s[i], ReberGrammar.LegalNext(s[..i]));
            Assert.Empty(ReberGrammar.LegalNext(s));
        }
    }

    [Fact]
    public void Illegal_prefix_is_named()
    {
        var e = Assert.Throws<ArgumentException>(() => ReberGrammar.LegalNext("BTBX"));
        Assert.Contains("'X' at position 3", e.Message);
    }

    [Fact]
    public void Generation_is_deterministic_for_a_seed()
    {
        Assert.Equal(Generate(seed: 42, count: 200), Generate(seed: 42, count: 200));
        Assert.NotEqual(Generate(seed: 42, count: 200), Generate(seed: 43, count: 200));
    }
}
