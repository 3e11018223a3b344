using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Prometheus;

namespace RnnCluster.Dashboard;

/// <summary>
/// The web dashboard, its JSON API, /metrics and the health checks, on ASP.NET Core in the
/// process it observes (train, the coordinator node, or `rnncluster dashboard` for stored runs).
/// </summary>
public sealed class DashboardServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly StoreAccess _store;

    private DashboardServer(WebApplication app, StoreAccess store, string url) => (_app, _store, Url) = (app, store, url);

    /// <summary>The address it listens on, with the real port when 0 was asked for.</summary>
    public string Url { get; }

    public static async Task<DashboardServer> StartAsync(DashboardOptions options, CancellationToken cancel = default)
    {
        MetricsExport.Configure();
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k =>
        {
            if (string.Equals(options.Host, "localhost", StringComparison.OrdinalIgnoreCase))
                k.Listen(IPAddress.Loopback, options.Port);
            else
                k.Listen(IPAddress.Parse(options.Host), options.Port);
        });
        // Both also ask the training session's Akka.Hosting checks (actor system liveness, cluster readiness).
        builder.Services.AddHealthChecks()
            .AddAsyncCheck("alive", async cancel => options.Feed is null || await options.Feed.AliveAsync(cancel)
                ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("the actor system is not running"), ["live"])
            .AddAsyncCheck("ready", async cancel => options.Feed is null || await options.Feed.ReadyAsync(cancel)
                ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("not an Up member, or the run has not started"), ["ready"]);
        var json = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            NumberHandling = JsonNumberHandling.AllowReadingFromString | JsonNumberHandling.AllowNamedFloatingPointLiterals,
            Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        };
        builder.Services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.NumberHandling = json.NumberHandling;
            o.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
        });

        var app = builder.Build();
        app.UseExceptionHandler(error => error.Run(async context =>
        {
            // Never a stack trace: the message of what went wrong, as JSON.
            var failure = context.Features.Get<IExceptionHandlerFeature>()?.Error;
            int status = failure is BadHttpRequestException bad ? bad.StatusCode : StatusCodes.Status500InternalServerError;
            await ApiError.Result(status, failure?.GetBaseException().Message ?? "internal error").ExecuteAsync(context);
        }));
        if (options.Token is not null)
            app.Use(new TokenGate(options.Token).InvokeAsync);
        app.UseHttpMetrics(o => o.ReduceStatusCodeCardinality());

        var store = new StoreAccess(options.Store);
        app.MapHealthChecks("/healthz", new() { Predicate = c => c.Tags.Contains("live") });
        app.MapHealthChecks("/ready", new() { Predicate = c => c.Tags.Contains("ready") || c.Tags.Contains("live") });
        app.MapMetrics("/metrics");
        StaticAssets.Map(app);
        RunsApi.Map(app, store, options.Feed);
        LiveApi.Map(app, options.Feed, json, app.Lifetime.ApplicationStopping);
        GenerateApi.Map(app, store, options.GenerationLimits, json);
        app.MapFallback(() => ApiError.Result(StatusCodes.Status404NotFound, "no such endpoint (docs/dashboard.md lists them)"));

        await app.StartAsync(cancel);
        string url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new DashboardServer(app, store, url);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        await _store.DisposeAsync();
    }
}
