using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using RnnCluster.Training.Node;

namespace RnnCluster.Dashboard;

/// <summary>The live run of this process: /api/cluster, /api/live (a snapshot) and /api/live/events (Server-Sent Events).</summary>
internal static class LiveApi
{
    /// <summary>
    /// Least time between two events to one client: a fast run reports many steps a second, and the
    /// page needs a few updates a second at most; what happened meanwhile goes in the next event.
    /// </summary>
    public static readonly TimeSpan EventInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>A comment line this often keeps proxies from closing a quiet stream.</summary>
    public static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(15);

    /// <param name="stopping">The server is stopping: open streams end at once instead of holding up the process's exit.</param>
    public static void Map(IEndpointRouteBuilder app, RunFeed? feed, JsonSerializerOptions json, CancellationToken stopping)
    {
        app.MapGet("/api/cluster", () => feed?.Snapshot() is not { } snapshot
            ? ApiError.Result(StatusCodes.Status404NotFound, "this dashboard serves stored runs only: no cluster")
            : Results.Json(new { members = snapshot.Members, workers = snapshot.Workers }, json));

        app.MapGet("/api/live", (int? from) => feed is null
            ? ApiError.Result(StatusCodes.Status404NotFound, "this dashboard serves stored runs only: no live run")
            : Results.Json(feed.Snapshot(from ?? 0), json));

        app.MapGet("/api/live/events", async (HttpContext http, int? from) =>
        {
            if (feed is null)
            {
                await ApiError.Result(StatusCodes.Status404NotFound, "this dashboard serves stored runs only: no live run").ExecuteAsync(http);
                return;
            }
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, stopping);
            var cancel = linked.Token;
            http.Response.ContentType = "text/event-stream";
            http.Response.Headers.CacheControl = "no-cache";
            http.Response.Headers["X-Accel-Buffering"] = "no";
            int next = Math.Max(0, from ?? 0);
            try
            {
                while (!cancel.IsCancellationRequested)
                {
                    var snapshot = feed.Snapshot(next);
                    next = snapshot.TrainFrom + snapshot.Train.Count;
                    await http.Response.WriteAsync($"event: feed\ndata: {JsonSerializer.Serialize(snapshot, json)}\n\n", cancel);
                    await http.Response.Body.FlushAsync(cancel);
                    await Task.Delay(EventInterval, cancel);
                    var changed = feed.WaitForChangeAsync(snapshot.Version, cancel);
                    while (await Task.WhenAny(changed, Task.Delay(KeepAlive, cancel)) != changed)
                    {
                        await http.Response.WriteAsync(": keep-alive\n\n", cancel);
                        await http.Response.Body.FlushAsync(cancel);
                    }
                    await changed;
                }
            }
            catch (OperationCanceledException)
            {
                // The client went away.
            }
        });
    }
}
