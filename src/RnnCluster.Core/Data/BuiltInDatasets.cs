using RnnCluster.Core.Memory;

namespace RnnCluster.Core.Data;

/// <summary>
/// Training texts that need no file, for smoke runs and benchmarks. Each is a pure function of
/// its name, so every node of a cluster builds the same corpus.
/// </summary>
public static class BuiltInDatasets
{
    /// <summary>Embedded Reber strings, one per line.</summary>
    public const string Reber = "reber";

    /// <summary>A few kilobytes of English prose.</summary>
    public const string Tiny = "tiny";

    /// <summary>Fixed so the "reber" text never changes; held-out evaluation strings should use another seed.</summary>
    public const ulong ReberSeed = 0x5EBE_1997UL;

    public const int ReberStringCount = 6000;

    private static readonly Lazy<string> ReberText = new(() => GenerateReberText(ReberStringCount, ReberSeed));

    public static IReadOnlyList<string> Names { get; } = [Reber, Tiny];

    /// <summary>The text of a built-in dataset; names are case-insensitive.</summary>
    public static string Get(string name)
    {
        if (TryGet(name, out string? text))
            return text;
        throw new ArgumentException($"Unknown built-in dataset '{name}'. Available: {string.Join(", ", Names)}.", nameof(name));
    }

    public static bool TryGet(string? name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? text)
    {
        text = name?.Trim().ToLowerInvariant() switch
        {
            Reber => ReberText.Value,
            Tiny => TinyCorpus.Text,
            _ => null,
        };
        return text is not null;
    }

    /// <summary>
    /// <paramref name="count"/> embedded Reber strings joined by '\n' (no trailing newline), so a
    /// character model also learns where a string ends and the next one begins.
    /// </summary>
    public static string GenerateReberText(int count, ulong seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        var rng = new SplitMix64(seed);
        var strings = new string[count];
        for (int i = 0; i < count; i++)
            strings[i] = ReberGrammar.Generate(ref rng);
        return string.Join('\n', strings);
    }
}
