using System.CommandLine;
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

var root = new RootCommand("RnnCluster: train recurrent language models (LSTM, GRU, RNN) on Akka.NET actors, bit-reproducibly.");
root.Subcommands.Add(TrainCommand.Create());
root.Subcommands.Add(NodeCommand.Create());
root.Subcommands.Add(GenerateCommand.Create());
root.Subcommands.Add(CheckpointsCommand.Create());
return await root.Parse(args).InvokeAsync();
