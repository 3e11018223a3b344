using RnnCluster.Dashboard;
using RnnCluster.Training.Node;

namespace RnnCluster.Cli.Commands;

/// <summary>Starts the dashboard of `train`, `node` and `dashboard` on the --http endpoint and says where it is.</summary>
internal static class DashboardHosting
{
    /// <summary>Null without --http. A port that cannot be bound is a usage error: nothing has started yet.</summary>
    public static async Task<DashboardServer?> StartAsync(HttpEndpoint? endpoint, StoreOptions? store, RunFeed? feed)
    {
        if (endpoint is null)
            return null;
        try
        {
            var server = await DashboardServer.StartAsync(new DashboardOptions(endpoint.Host, endpoint.Port, endpoint.Token, store, feed));
            // Scripts and tests read the port from this line when --http asked for port 0.
            Console.WriteLine($"dashboard {server.Url}/");
            return server;
        }
        catch (IOException e)
        {
            throw new UsageException($"--http {endpoint.Host}:{endpoint.Port} cannot be served: {e.Message}");
        }
        catch (FormatException)
        {
            throw new UsageException($"--http names '{endpoint.Host}', which is neither an IP address nor localhost.");
        }
    }
}
