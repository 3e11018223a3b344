using System.CommandLine;
using RnnCluster.Cli.Commands;

var root = new RootCommand("RnnCluster: train recurrent language models (LSTM, GRU, RNN) on Akka.NET actors, bit-reproducibly.");
root.Subcommands.Add(TrainCommand.Create());
root.Subcommands.Add(GenerateCommand.Create());
root.Subcommands.Add(CheckpointsCommand.Create());
return await root.Parse(args).InvokeAsync();
