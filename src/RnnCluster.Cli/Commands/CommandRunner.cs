using RnnCluster.Core.Checkpoints;
using RnnCluster.Core.Data;
using RnnCluster.Interop;
using RnnCluster.Training.Node;
using RnnCluster.Training.Store;

namespace RnnCluster.Cli.Commands;

/// <summary>Turns the errors a user can cause into one clear line on stderr and a non-zero exit code.</summary>
internal static class CommandRunner
{
    public static async Task<int> Guard(Func<Task<int>> action)
    {
        try
        {
            return await action();
        }
        catch (Exception e) when (e is UsageException or CorpusException or CheckpointStoreException or CheckpointException or InteropException or PortInUseException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return ExitCodes.BadInput;
        }
    }
}
