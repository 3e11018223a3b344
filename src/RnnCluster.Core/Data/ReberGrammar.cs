using System.Collections.Frozen;
using System.Text;
using RnnCluster.Core.Memory;

namespace RnnCluster.Core.Data;

/// <summary>
/// The embedded Reber grammar, the classic long-range-dependency benchmark of LSTM
/// (Hochreiter &amp; Schmidhuber 1997). The inner Reber grammar is the 7-node graph
/// <code>
///   0 --B--> 1
///   1 --T--> 2    1 --P--> 3
///   2 --S--> 2    2 --X--> 4
///   3 --T--> 3    3 --V--> 5
///   4 --X--> 3    4 --S--> 6
///   5 --P--> 4    5 --V--> 6
///   6 --E--> end
/// </code>
/// with both edges of a node equally likely. An embedded string is <c>B T &lt;reber&gt; T E</c> or
/// <c>B P &lt;reber&gt; P E</c>: its second-to-last symbol repeats its second one across the
/// whole inner string, which a model can only predict if it remembers that far back.
/// A model "solves" the task when, at every position of held-out strings, the symbols it gives
/// more than a threshold probability are exactly <see cref="LegalNext"/>.
/// </summary>
public static class ReberGrammar
{
    /// <summary>All symbols, in the order of the graph above.</summary>
    public const string Symbols = "BTPSXVE";

    // Edges[node] = (symbol, next node); node 6 leads to the end (-1).
    private static readonly (char Symbol, int Next)[][] Edges =
    [
        [('B', 1)],
        [('T', 2), ('P', 3)],
        [('S', 2), ('X', 4)],
        [('T', 3), ('V', 5)],
        [('X', 3), ('S', 6)],
        [('P', 4), ('V', 6)],
        [('E', -1)],
    ];

    private static readonly FrozenSet<char>[] LegalSets = Edges.Select(edges => edges.Select(e => e.Symbol).ToFrozenSet()).ToArray();
    private static readonly FrozenSet<char> TOrP = new[] { 'T', 'P' }.ToFrozenSet();
    private static readonly FrozenSet<char> OnlyT = new[] { 'T' }.ToFrozenSet();
    private static readonly FrozenSet<char> OnlyP = new[] { 'P' }.ToFrozenSet();
    private static readonly FrozenSet<char> OnlyE = new[] { 'E' }.ToFrozenSet();
    private static readonly FrozenSet<char> None = FrozenSet<char>.Empty;

    /// <summary>
    /// One embedded Reber string, e.g. "BTBPVVETE". The order of draws (embedded symbol, then one
    /// per two-way node) defines the built-in "reber" text, so it must not change.
    /// </summary>
    public static string Generate(ref SplitMix64 rng)
    {
        var text = new StringBuilder(32);
        char embedded = rng.NextInt(2) == 0 ? 'T' : 'P';
        text.Append('B').Append(embedded);
        for (int node = 0; node >= 0;)
        {
            var edges = Edges[node];
            var (symbol, next) = edges.Length == 1 ? edges[0] : edges[rng.NextInt(edges.Length)];
            text.Append(symbol);
            node = next;
        }
        return text.Append(embedded).Append('E').ToString();
    }

    /// <summary>
    /// The symbols that may follow <paramref name="prefix"/> (a prefix of an embedded Reber string).
    /// A complete string allows nothing more; in the built-in dataset the separator '\n' follows it.
    /// Throws <see cref="ArgumentException"/> naming the first symbol the grammar forbids.
    /// </summary>
    public static IReadOnlySet<char> LegalNext(string prefix)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        // Phases: 0 expects B, 1 expects T|P, 2 walks the inner graph, 3 expects the repeated symbol, 4 expects E, 5 done.
        int phase = 0, node = 0;
        char embedded = '\0';
        for (int i = 0; i < prefix.Length; i++)
        {
            char c = prefix[i];
            var legal = Legal(phase, node, embedded);
            if (!legal.Contains(c))
                throw new ArgumentException($"'{c}' at position {i} of \"{prefix}\" is not allowed by the embedded Reber grammar (expected one of {{{string.Join(", ", legal.Order())}}}).", nameof(prefix));
            switch (phase)
            {
                case 0: phase = 1; break;
                case 1: embedded = c; phase = 2; break;
                case 2:
                    node = Array.Find(Edges[node], e => e.Symbol == c).Next;
                    if (node < 0) phase = 3;
                    break;
                default: phase++; break;
            }
        }
        return Legal(phase, node, embedded);
    }

    /// <summary>Whether <paramref name="text"/> is a complete embedded Reber string.</summary>
    public static bool Accepts(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        try
        {
            return text.Length > 0 && LegalNext(text).Count == 0;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static IReadOnlySet<char> Legal(int phase, int node, char embedded) => phase switch
    {
        0 => LegalSets[0],
        1 => TOrP,
        2 => LegalSets[node],
        3 => embedded == 'T' ? OnlyT : OnlyP,
        4 => OnlyE,
        _ => None,
    };
}
