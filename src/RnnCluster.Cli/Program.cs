using RnnCluster.Cli;
using RnnCluster.Cli.Commands;

try
{
    ConfiguredDefaults.Load(args);
}
catch (Exception e) when (e is UsageException or InvalidDataException or FormatException)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return ExitCodes.BadInput;
}

return await CliApp.BuildRoot().Parse(args).InvokeAsync();
