using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.Configuration;
using RnnCluster.Training.Coordinator;
using RnnCluster.Training.ParameterServer;
using RnnCluster.Training.Worker;

namespace RnnCluster.Training.Node;

/// <summary>
/// Every role's timeouts and limits. The defaults live in each role's settings record; a settings
/// file or the environment overrides them by section — "coordinator", "parameter-server",
/// "worker", "node" — and property name in any case and spelling: <c>"worker-down-after": "10s"</c>
/// in JSON, <c>RNNCLUSTER_COORDINATOR__WORKER_DOWN_AFTER=10s</c> in the environment. Durations are
/// "500ms", "10s", "5m", "1h", a number of seconds, or "hh:mm:ss".
/// </summary>
public sealed record RnnClusterSettings(CoordinatorSettings Coordinator, ParameterServerSettings ParameterServer, WorkerSettings Worker, NodeSettings Node)
{
    public static readonly RnnClusterSettings Default = new(CoordinatorSettings.Default, ParameterServerSettings.Default, WorkerSettings.Default, NodeSettings.Default);

    /// <summary>The settings with the overrides found in <paramref name="configuration"/>.</summary>
    /// <exception cref="FormatException">An unknown setting, or a value that is not valid for it; the message names it.</exception>
    public static RnnClusterSettings From(IConfiguration configuration) => new(
        Bind(configuration, "coordinator", CoordinatorSettings.Default),
        Bind(configuration, "parameter-server", ParameterServerSettings.Default, skip: [nameof(ParameterServerSettings.Dispatcher), nameof(ParameterServerSettings.LedgerPath)]),
        Bind(configuration, "worker", WorkerSettings.Default),
        Bind(configuration, "node", NodeSettings.Default));

    private static T Bind<T>(IConfiguration configuration, string section, T defaults, string[]? skip = null) where T : class
    {
        var values = Sections(configuration, section).SelectMany(s => s.GetChildren()).ToList();
        if (values.Count == 0)
            return defaults;
        var properties = typeof(T).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanWrite && !(skip ?? []).Contains(p.Name)).ToDictionary(p => Normalize(p.Name), StringComparer.OrdinalIgnoreCase);
        var copy = (T)typeof(T).GetMethod("<Clone>$")!.Invoke(defaults, null)!; // a record's `with`
        foreach (var value in values)
        {
            if (!properties.TryGetValue(Normalize(value.Key), out var property))
                throw new FormatException($"Unknown setting '{section}:{value.Key}'; known: {string.Join(", ", properties.Values.Select(p => Kebab(p.Name)))}.");
            property.SetValue(copy, Parse(property.PropertyType, value.Value ?? "", $"{section}:{value.Key}"));
        }
        return copy;
    }

    // "parameter-server", "parameter_server" and "parameterServer" all name the same section.
    private static IEnumerable<IConfigurationSection> Sections(IConfiguration configuration, string name) =>
        configuration.GetChildren().Where(s => Normalize(s.Key).Equals(Normalize(name), StringComparison.OrdinalIgnoreCase));

    private static string Normalize(string key) => key.Replace("-", "", StringComparison.Ordinal).Replace("_", "", StringComparison.Ordinal);

    private static string Kebab(string name) => string.Concat(name.Select((c, i) => char.IsUpper(c) && i > 0 ? "-" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));

    private static object Parse(Type type, string text, string name)
    {
        object? value = type == typeof(TimeSpan) ? Duration(text)
            : type == typeof(int) && int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int i) && i >= 0 ? i
            : type == typeof(double) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) && d > 0 ? d
            : null;
        return value ?? throw new FormatException($"Setting '{name}' = '{text}' is not a valid {(type == typeof(TimeSpan) ? "duration (e.g. 500ms, 10s, 5m)" : type == typeof(int) ? "count" : "positive number")}.");
    }

    private static TimeSpan? Duration(string text)
    {
        text = text.Trim();
        foreach (var (suffix, unit) in new[] { ("ms", 1e-3), ("s", 1.0), ("m", 60.0), ("h", 3600.0) })
        {
            if (text.EndsWith(suffix, StringComparison.OrdinalIgnoreCase) && double.TryParse(text[..^suffix.Length], NumberStyles.Float, CultureInfo.InvariantCulture, out double n) && n > 0)
                return TimeSpan.FromSeconds(n * unit);
        }
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds) && seconds > 0)
            return TimeSpan.FromSeconds(seconds);
        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span) && span > TimeSpan.Zero ? span : null;
    }
}
