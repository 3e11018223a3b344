using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using RnnCluster.Cli.Commands;
using RnnCluster.Dashboard;
using RnnCluster.Training.Coordinator;
using RnnCluster.Training.Node;

namespace RnnCluster.Cli.Tests;

/// <summary>
/// The dashboard's JSON API, /metrics and the token gate, in process against a small SQLite store:
/// bad requests get 4xx with a JSON message (never a stack trace), good ones what docs/dashboard.md says.
/// Shares a collection with DockerComposeTests: the store is trained by the CLI in this process,
/// and those tests swap the process-wide ConfiguredDefaults.
/// </summary>
[Collection(ConfiguredDefaultsCollection.Name)]
public sealed class DashboardApiTests(DashboardStore store) : IClassFixture<DashboardStore>, IAsyncLifetime
{
    private DashboardServer _server = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _server = await DashboardServer.StartAsync(new DashboardOptions("127.0.0.1", 0, null, StoreOptions.Sqlite(store.Db), null));
        _http = new HttpClient { BaseAddress = new Uri(_server.Url) };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> Post(string json)
    {
        using var response = await _http.PostAsync("/api/generate", new StringContent(json, Encoding.UTF8, "application/json"));
        return (response.StatusCode, await Body(response));
    }

    private static async Task<JsonElement> Body(HttpResponseMessage response)
    {
        string text = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("   at ", text, StringComparison.Ordinal); // never a stack trace
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private async Task AssertRefused(HttpStatusCode expected, string path)
    {
        using var response = await _http.GetAsync(path);
        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.False(string.IsNullOrWhiteSpace((await Body(response)).GetProperty("error").GetString()));
    }

    [Fact]
    public async Task Runs_history_and_checkpoints_describe_the_stored_run()
    {
        var runs = await _http.GetFromJsonAsync<JsonElement>("/api/runs");
        var run = Assert.Single(runs.EnumerateArray());
        Assert.Equal(DashboardStore.RunId, run.GetProperty("id").GetString());
        Assert.Equal([5L, 10, 15, 20], run.GetProperty("checkpoints").EnumerateArray().Select(s => s.GetInt64()));

        var history = await _http.GetFromJsonAsync<JsonElement>($"/api/runs/{DashboardStore.RunId}/history");
        var train = history.GetProperty("train").EnumerateArray().ToList();
        Assert.Equal(Enumerable.Range(1, 20).Select(s => (double)s), train.Select(p => p[0].GetDouble()));
        Assert.True(train.All(p => p[1].GetDouble() > 0));
        Assert.NotEmpty(history.GetProperty("validation").EnumerateArray());

        var checkpoints = await _http.GetFromJsonAsync<JsonElement>($"/api/runs/{DashboardStore.RunId}/checkpoints");
        Assert.Equal([5L, 10, 15, 20], checkpoints.EnumerateArray().Where(c => c.GetProperty("available").GetBoolean()).Select(c => c.GetProperty("step").GetInt64()));
    }

    [Fact]
    public async Task Unknown_runs_steps_and_endpoints_answer_404_with_a_message()
    {
        await AssertRefused(HttpStatusCode.NotFound, "/api/runs/nope/history");
        await AssertRefused(HttpStatusCode.NotFound, "/api/runs/nope/checkpoints");
        await AssertRefused(HttpStatusCode.NotFound, "/api/runs/nope/checkpoints/5/export");
        await AssertRefused(HttpStatusCode.NotFound, $"/api/runs/{DashboardStore.RunId}/checkpoints/7/export");
        await AssertRefused(HttpStatusCode.NotFound, "/api/nothing-here");
        await AssertRefused(HttpStatusCode.BadRequest, $"/api/runs/{DashboardStore.RunId}/checkpoints/5/export?format=pickle");
        await AssertRefused(HttpStatusCode.NotFound, "/api/live"); // stored runs only: no live run
        var (status, body) = await Post($$"""{"run":"nope"}""");
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Contains("nope", body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Export_downloads_the_checkpoint_in_each_format()
    {
        using var raw = await _http.GetAsync($"/api/runs/{DashboardStore.RunId}/checkpoints/10/export");
        Assert.Equal(HttpStatusCode.OK, raw.StatusCode);
        Assert.Equal($"{DashboardStore.RunId}-step10.bin", raw.Content.Headers.ContentDisposition?.FileName);
        var checkpoints = await _http.GetFromJsonAsync<JsonElement>($"/api/runs/{DashboardStore.RunId}/checkpoints");
        Assert.Equal(checkpoints[0].GetProperty("rawBytes").GetInt64(), (await raw.Content.ReadAsByteArrayAsync()).Length);
        foreach (var format in new[] { "safetensors", "onnx" })
        {
            using var response = await _http.GetAsync($"/api/runs/{DashboardStore.RunId}/checkpoints/10/export?format={format}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.NotEmpty(await response.Content.ReadAsByteArrayAsync());
        }
    }

    [Theory]
    [InlineData("""{"run":"api","length":-1}""", 400, "length")]
    [InlineData("""{"run":"api","length":100000}""", 400, "length")]
    [InlineData("""{"run":"api","temperature":"NaN"}""", 400, "temperature")]
    [InlineData("""{"run":"api","temperature":-0.5}""", 400, "temperature")]
    [InlineData("""{"run":"api","topK":-3}""", 400, "topK")]
    [InlineData("""{"run":"api","step":-5}""", 400, "step")]
    [InlineData("""{"length":10}""", 400, "run")]
    [InlineData("""not json""", 400, "JSON")]
    public async Task Generation_refuses_bad_input_with_400(string json, int expected, string named)
    {
        var (status, body) = await Post(json);
        Assert.Equal(expected, (int)status);
        Assert.Contains(named, body.GetProperty("error").GetString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task An_oversized_prime_is_refused_with_413()
    {
        var (status, body) = await Post(JsonSerializer.Serialize(new { run = DashboardStore.RunId, prime = new string('B', GenerationLimits.Default.MaxPrimeChars + 1) }));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        Assert.Contains("prime", body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Generations_beyond_the_concurrency_limit_answer_429()
    {
        // No slot at all: every request is one too many, without racing two real generations.
        await using var full = await DashboardServer.StartAsync(new DashboardOptions("127.0.0.1", 0, null, StoreOptions.Sqlite(store.Db), null, new GenerationLimits(MaxConcurrent: 0)));
        using var http = new HttpClient { BaseAddress = new Uri(full.Url) };
        using var response = await http.PostAsync("/api/generate", new StringContent("""{"run":"api","length":5}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Contains("try again", (await Body(response)).GetProperty("error").GetString());
    }

    [Fact]
    public async Task Temperature_zero_is_greedy_whatever_the_seed()
    {
        var (first, a) = await Post("""{"run":"api","step":10,"prime":"B","length":40,"temperature":0,"seed":1}""");
        var (second, b) = await Post("""{"run":"api","step":10,"prime":"B","length":40,"temperature":0,"seed":99}""");
        Assert.Equal(HttpStatusCode.OK, first);
        Assert.Equal(HttpStatusCode.OK, second);
        Assert.Equal(10, a.GetProperty("step").GetInt64());
        Assert.StartsWith("B", a.GetProperty("text").GetString());
        Assert.Equal(a.GetProperty("text").GetString(), b.GetProperty("text").GetString());
    }

    [Fact]
    public async Task Metrics_parse_as_Prometheus_text_with_the_run_counters()
    {
        RnnClusterMetrics.Progress(new RunProgress("metrics-test", 1, 10, 0, 1.5, null, 100, 2, null, new StepTiming(10, 6, 1, 1, 1), null, new StepTiming(10, 6, 1, 1, 1), 64), newStep: true);
        using var response = await _http.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType);
        var families = PrometheusText.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("counter", families["rnncluster_steps_total"].Type);
        Assert.Contains(families["rnncluster_steps_total"].Samples, s => s.Series.Contains("run=\"metrics-test\"") && s.Value >= 1);
        Assert.Equal("counter", families["rnncluster_tokens_total"].Type);
        Assert.Equal("histogram", families["rnncluster_step_duration_seconds"].Type);
        Assert.Equal("histogram", families["rnncluster_step_phase_seconds"].Type);
        Assert.Equal("gauge", families["rnncluster_train_loss"].Type);
    }

    [Fact]
    public async Task The_page_and_uPlot_with_its_licence_come_from_the_binary()
    {
        Assert.Contains("/uPlot.iife.min.js", await _http.GetStringAsync("/"));
        Assert.StartsWith("/*! https://github.com/leeoniya/uPlot (v1.6.32) */", await _http.GetStringAsync("/uPlot.iife.min.js"));
        Assert.Contains("MIT License", await _http.GetStringAsync("/uPlot.LICENSE"));
        Assert.Contains("EventSource", await _http.GetStringAsync("/app.js"));
    }

    [Fact]
    public async Task Health_checks_answer_without_a_feed()
    {
        Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync("/healthz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync("/ready")).StatusCode);
    }

    [Fact]
    public async Task A_dashboard_beyond_loopback_answers_401_without_its_token()
    {
        await using var guarded = await DashboardServer.StartAsync(new DashboardOptions("0.0.0.0", 0, "s3cret-token", StoreOptions.Sqlite(store.Db), new RunFeed()));
        int port = new Uri(guarded.Url.Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal)).Port;
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        foreach (var path in new[] { "/", "/api/runs", "/metrics", "/api/live", "/app.js" })
        {
            using var refused = await http.GetAsync(path);
            Assert.True(refused.StatusCode == HttpStatusCode.Unauthorized, $"{path}: {refused.StatusCode}");
            Assert.Contains("token", (await Body(refused)).GetProperty("error").GetString());
        }
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/healthz")).StatusCode);
        Assert.NotEqual(HttpStatusCode.Unauthorized, (await http.GetAsync("/ready")).StatusCode);
        using var wrong = new HttpRequestMessage(HttpMethod.Get, "/api/runs") { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", "s3cret-tokex") } };
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.SendAsync(wrong)).StatusCode);
        using var right = new HttpRequestMessage(HttpMethod.Get, "/api/runs") { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", "s3cret-token") } };
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(right)).StatusCode);
    }

    [Theory]
    [InlineData("8080", "127.0.0.1", 8080)]
    [InlineData(":0", "127.0.0.1", 0)]
    [InlineData("0.0.0.0:9000", "0.0.0.0", 9000)]
    [InlineData("[::1]:81", "::1", 81)]
    [InlineData("localhost:5000", "localhost", 5000)]
    public void Http_endpoints_parse(string text, string host, int port) =>
        Assert.Equal((host, port), HttpArguments.ParseHostPort(text));

    [Theory]
    [InlineData("127.0.0.1:http")]
    [InlineData("127.0.0.1:70000")]
    [InlineData("::1:80")]
    public void Bad_http_endpoints_are_usage_errors(string text) =>
        Assert.Throws<UsageException>(() => HttpArguments.ParseHostPort(text));
}
