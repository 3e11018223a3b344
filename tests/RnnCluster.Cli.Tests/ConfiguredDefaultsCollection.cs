namespace RnnCluster.Cli.Tests;

/// <summary>
/// Tests that load settings into <c>ConfiguredDefaults</c> (process-wide: every option's default is
/// read from it while parsing) or parse in-process run one at a time, so that one class's
/// environment never becomes another's defaults.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ConfiguredDefaultsCollection
{
    public const string Name = "ConfiguredDefaults";
}
