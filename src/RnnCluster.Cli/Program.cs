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
var parsed = CliApp.BuildRoot().Parse(args);
// System.CommandLine answers a parse error with every error and the whole help text, exit 1; here
// it is one line and exit 2, like every other usage error. Without arguments the help is the answer.
if (parsed.Errors.Count > 0 && args.Length > 0 && parsed.Action is not System.CommandLine.Help.HelpAction)
{
    Console.Error.WriteLine($"error: {parsed.Errors[0].Message} (--help lists the options)");
    return ExitCodes.BadInput;
}
return await parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromMinutes(5) });
