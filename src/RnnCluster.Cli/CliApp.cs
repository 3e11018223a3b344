using System.CommandLine;
using RnnCluster.Cli.Commands;

namespace RnnCluster.Cli;

/// <summary>The command tree of `rnncluster`, shared by Program.cs and the tests that check deployment files against it.</summary>
internal static class CliApp
{
    public static RootCommand BuildRoot()
    {
        var root = new RootCommand("RnnCluster: train recurrent language models (LSTM, GRU, RNN) on Akka.NET actors, bit-reproducibly.");
        root.Subcommands.Add(TrainCommand.Create());
        root.Subcommands.Add(NodeCommand.Create());
        root.Subcommands.Add(GenerateCommand.Create());
        root.Subcommands.Add(CheckpointsCommand.Create());
        root.Subcommands.Add(ImportCommand.Create());
        root.Subcommands.Add(DashboardCommand.Create());
        return root;
    }
}
