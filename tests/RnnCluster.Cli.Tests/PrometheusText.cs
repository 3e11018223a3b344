using System.Globalization;
using System.Text.RegularExpressions;

namespace RnnCluster.Cli.Tests;

/// <summary>
/// A strict reader of the Prometheus text exposition format (version 0.0.4): every line is a
/// HELP or TYPE comment or a sample, TYPE comes before a family's samples, values are numbers.
/// </summary>
internal static partial class PrometheusText
{
    [GeneratedRegex(@"^# HELP (?<name>[a-zA-Z_:][a-zA-Z0-9_:]*) .*$")]
    private static partial Regex Help();

    [GeneratedRegex(@"^# TYPE (?<name>[a-zA-Z_:][a-zA-Z0-9_:]*) (?<type>counter|gauge|histogram|summary|untyped)$")]
    private static partial Regex Type();

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>([a-zA-Z_][a-zA-Z0-9_]*=""([^""\\]|\\.)*"",?)*)\})? (?<value>\S+)( -?\d+)?$")]
    private static partial Regex Sample();

    /// <summary>Family name → (type, samples as (full line name with labels, value)); throws on a malformed line.</summary>
    public static Dictionary<string, (string Type, List<(string Series, double Value)> Samples)> Parse(string text)
    {
        var families = new Dictionary<string, (string Type, List<(string, double)> Samples)>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || Help().IsMatch(line))
                continue;
            if (Type().Match(line) is { Success: true } type)
            {
                Assert.False(families.ContainsKey(type.Groups["name"].Value), $"TYPE given twice: {line}");
                families[type.Groups["name"].Value] = (type.Groups["type"].Value, new());
                continue;
            }
            var sample = Sample().Match(line);
            Assert.True(sample.Success, $"not a Prometheus text line: '{line}'");
            string name = sample.Groups["name"].Value;
            string value = sample.Groups["value"].Value;
            Assert.True(value is "+Inf" or "-Inf" or "NaN" || double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _), $"not a number: '{line}'");
            string family = families.Keys.Where(f => name == f || name.StartsWith(f + "_", StringComparison.Ordinal)).OrderByDescending(f => f.Length).FirstOrDefault()
                ?? throw new Xunit.Sdk.XunitException($"sample before its TYPE line: '{line}'");
            families[family].Samples.Add((name + "{" + sample.Groups["labels"].Value + "}",
                value switch { "+Inf" => double.PositiveInfinity, "-Inf" => double.NegativeInfinity, "NaN" => double.NaN, _ => double.Parse(value, CultureInfo.InvariantCulture) }));
        }
        return families;
    }
}
