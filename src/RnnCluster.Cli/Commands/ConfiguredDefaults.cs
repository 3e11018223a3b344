using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace RnnCluster.Cli.Commands;

/// <summary>
/// Settings from a JSON file (--config FILE) and environment variables (RNNCLUSTER_*), which
/// override the file; explicit command-line options override both. Keys are option names
/// without dashes in any case: "hidden", "min-workers" (JSON), RNNCLUSTER_MIN_WORKERS (env).
/// They become the options' default values, so every command sees one typed value per option.
/// </summary>
internal static class ConfiguredDefaults
{
    public const string EnvironmentPrefix = "RNNCLUSTER_";

    private static IConfiguration _configuration = new ConfigurationBuilder().Build();

    public static string? ConfigFile { get; private set; }

    /// <summary>Loads --config FILE (found by a scan of the raw arguments) and the environment.</summary>
    public static void Load(string[] args) => Load(args, environment: null);

    /// <summary>
    /// As <see cref="Load(string[])"/>, with <paramref name="environment"/> standing for the process's
    /// environment variables when given (tests check deployment files' settings with it).
    /// </summary>
    internal static void Load(string[] args, IReadOnlyDictionary<string, string>? environment)
    {
        var builder = new ConfigurationBuilder();
        int at = Array.IndexOf(args, "--config");
        if (at >= 0 && at + 1 < args.Length)
        {
            ConfigFile = Path.GetFullPath(args[at + 1]);
            if (!File.Exists(ConfigFile))
                throw new UsageException($"Configuration file '{args[at + 1]}' does not exist.");
            builder.AddJsonFile(ConfigFile, optional: false);
        }
        if (environment is null)
            builder.AddEnvironmentVariables(EnvironmentPrefix);
        else
            builder.AddInMemoryCollection(environment
                .Where(v => v.Key.StartsWith(EnvironmentPrefix, StringComparison.OrdinalIgnoreCase))
                .Select(v => KeyValuePair.Create(v.Key[EnvironmentPrefix.Length..].Replace("__", ConfigurationPath.KeyDelimiter, StringComparison.Ordinal), (string?)v.Value)));
        _configuration = builder.Build();
    }

    /// <summary>Every role's timeouts and limits, with the overrides of the settings file and the environment.</summary>
    public static Training.Node.RnnClusterSettings Settings()
    {
        try
        {
            return Training.Node.RnnClusterSettings.From(_configuration);
        }
        catch (FormatException e)
        {
            throw new UsageException(e.Message);
        }
    }

    /// <summary>The configured text of an option ("--min-workers" → "min-workers" / "min_workers" / "minWorkers"), or null.</summary>
    public static string? Lookup(string optionName)
    {
        string name = optionName.TrimStart('-');
        foreach (var key in new[] { name, name.Replace('-', '_'), CamelCase(name) })
        {
            var section = _configuration.GetSection(key);
            if (section.Value is { } value)
                return value;
            var children = section.GetChildren().Select(c => c.Value).Where(v => v is not null).ToList();
            if (children.Count > 0)
                return string.Join(",", children);
        }
        return null;
    }

    public static Option<T> Make<T>(string name, string description, T fallback)
    {
        var option = new Option<T>(name) { Description = description };
        option.DefaultValueFactory = _ => Lookup(name) is { } text ? Parse<T>(name, text) : fallback;
        return option;
    }

    public static Option<T?> MakeOptional<T>(string name, string description)
    {
        var option = new Option<T?>(name) { Description = description };
        option.DefaultValueFactory = _ => Lookup(name) is { } text ? Parse<T>(name, text) : default;
        return option;
    }

    public static Option<T?> MakeNullable<T>(string name, string description) where T : struct
    {
        var option = new Option<T?>(name) { Description = description };
        option.DefaultValueFactory = _ => Lookup(name) is { } text ? Parse<T>(name, text) : null;
        return option;
    }

    public static Option<string[]> MakeList(string name, string description)
    {
        var option = new Option<string[]>(name) { Description = description, AllowMultipleArgumentsPerToken = false };
        option.DefaultValueFactory = _ => Lookup(name) is { } text ? text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : [];
        return option;
    }

    private static T Parse<T>(string name, string text)
    {
        var type = Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T);
        try
        {
            object value = type == typeof(string) ? text
                : type == typeof(bool) ? bool.Parse(text)
                : Convert.ChangeType(text, type, CultureInfo.InvariantCulture);
            return (T)value;
        }
        catch (Exception e) when (e is FormatException or InvalidCastException or OverflowException)
        {
            throw new UsageException($"Configured value '{text}' for {name} is not a valid {type.Name}.");
        }
    }

    private static string CamelCase(string kebab)
    {
        var parts = kebab.Split('-');
        return parts[0] + string.Concat(parts.Skip(1).Select(p => p.Length == 0 ? p : char.ToUpperInvariant(p[0]) + p[1..]));
    }
}
