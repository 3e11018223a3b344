using System.CommandLine;
using RnnCluster.Cli;
using RnnCluster.Cli.Commands;
using RnnCluster.Training.Runtime;

try
{
    ConfiguredDefaults.Load(args);
}
catch (Exception e) when (e is UsageException or InvalidDataException or FormatException)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return ExitCodes.BadInput;
}

// Recompiling hot methods waits for idle CPU instead of taking it from the gradient math.
using var idlePriorityJit = IdlePriorityJit.Start();

// Ctrl+C / SIGTERM cancel the command's token: `train` and the coordinator node then finish the
// current step and save a checkpoint, which can take a while for a big model.
return await CliApp.BuildRoot().Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromMinutes(5) });
