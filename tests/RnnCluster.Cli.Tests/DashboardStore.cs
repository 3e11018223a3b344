using System.CommandLine;

namespace RnnCluster.Cli.Tests;

/// <summary>
/// A small SQLite store with one finished run ("api", checkpoints at steps 5, 10, 15 and 20), trained
/// in this process through the CLI's own `train` command, shared by the API tests of a class.
/// </summary>
public sealed class DashboardStore : IAsyncLifetime
{
    public const string RunId = "api";
    private readonly ScratchDirectory _dir = new();

    public string Db => _dir.File("store.db");

    public async Task InitializeAsync()
    {
        int exit = await CliApp.BuildRoot().Parse([
            "train", "--dataset", "reber", "--embed", "8", "--hidden", "16", "--layers", "1", "--seq", "16", "--batch", "8",
            "--steps", "20", "--checkpoint-every", "5", "--keep-checkpoints", "4", "--validate-every", "10",
            "--db", Db, "--run-id", RunId, "--plain", "--samples", "0", "--workers", "1"]).InvokeAsync();
        Assert.Equal(0, exit);
    }

    public Task DisposeAsync()
    {
        _dir.Dispose();
        return Task.CompletedTask;
    }
}
