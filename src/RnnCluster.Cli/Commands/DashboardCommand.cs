using System.CommandLine;

namespace RnnCluster.Cli.Commands;

/// <summary>`dashboard`: the web dashboard of a store's runs (curves, checkpoints, export, generation) without training.</summary>
internal static class DashboardCommand
{
    public const string DefaultHttp = "127.0.0.1:8080";

    public static Command Create()
    {
        var store = new StoreArguments();
        var http = new HttpArguments();
        var command = new Command("dashboard", $"Serve the web dashboard of the runs in a store (default --http {DefaultHttp})");
        store.AddTo(command);
        http.AddTo(command);
        command.SetAction(async (p, cancel) => await CommandRunner.Guard(async () =>
        {
            var storeOptions = store.Read(p);
            if (storeOptions.IsSqlite && !File.Exists(storeOptions.ConnectionString.Split(';')[0]["Data Source=".Length..]))
                throw new UsageException($"There is no store at {storeOptions.Describe()}.");
            var endpoint = http.Read(p, DefaultHttp)!;
            await using var server = await DashboardHosting.StartAsync(endpoint, storeOptions, feed: null);
            Console.WriteLine($"serving the runs of {storeOptions.Describe()}; Ctrl+C stops");
            try
            {
                await Task.Delay(Timeout.Infinite, cancel);
            }
            catch (OperationCanceledException)
            {
                // Ctrl+C: the normal end.
            }
            return ExitCodes.Success;
        }));
        return command;
    }
}
