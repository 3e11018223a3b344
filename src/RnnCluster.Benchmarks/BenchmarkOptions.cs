using System.Globalization;

namespace RnnCluster.Benchmarks;

/// <summary>"--name value" and "--flag" arguments of a benchmark subcommand.</summary>
internal sealed class BenchmarkOptions
{
    private readonly Dictionary<string, string?> _values = new(StringComparer.Ordinal);

    public BenchmarkOptions(IEnumerable<string> args)
    {
        var list = args.ToList();
        for (int i = 0; i < list.Count; i++)
        {
            if (!list[i].StartsWith("--", StringComparison.Ordinal))
                throw new ArgumentException($"Unexpected argument '{list[i]}'.");
            string name = list[i][2..];
            string? value = i + 1 < list.Count && !list[i + 1].StartsWith("--", StringComparison.Ordinal) ? list[++i] : null;
            _values[name] = value;
        }
    }

    public int Int(string name, int fallback) =>
        _values.TryGetValue(name, out var v) && v is not null ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

    public float Float(string name, float fallback) =>
        _values.TryGetValue(name, out var v) && v is not null ? float.Parse(v, CultureInfo.InvariantCulture) : fallback;

    public string? String(string name) => _values.TryGetValue(name, out var v) ? v : null;

    public bool Flag(string name) => _values.ContainsKey(name);

    /// <summary>The standard benchmark text, looked for in ../shared/data beside the checkout.</summary>
    public static string DefaultCorpusPath()
    {
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "shared", "data", "tinyshakespeare.txt");
            if (File.Exists(candidate))
                return candidate;
            candidate = Path.Combine(dir.FullName, "..", "shared", "data", "tinyshakespeare.txt");
            if (File.Exists(candidate))
                return Path.GetFullPath(candidate);
        }
        throw new FileNotFoundException("tinyshakespeare.txt not found in ../shared/data; pass --corpus FILE.");
    }
}
