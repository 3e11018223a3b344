using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace RnnCluster.Cli.Tests;

/// <summary>
/// The dashboard in a real browser (Debian's Chromium, driven by Playwright) while a multi-process
/// run trains: the loss curve gains points and the worker table fills, a killed worker is marked
/// lost, a checkpoint generates text in the page; /metrics grows and the health checks answer
/// before the run, during it and after the lost node. Writes the screenshots of docs/images.
/// </summary>
[Trait(Tier.Name, Tier.Process)]
[Collection(nameof(FaultToleranceTests))]
public sealed partial class DashboardBrowserTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(4);
    private const string Chromium = "/usr/bin/chromium";

    private static string[] Model(string steps) =>
        ["--dataset", "reber", "--embed", "16", "--hidden", "96", "--layers", "2", "--seq", "32", "--batch", "32", "--micro-batches", "4", "--steps", steps];

    private static string Address(int port) => $"akka.tcp://rnncluster@127.0.0.1:{port}";

    [GeneratedRegex(@"^rnncluster_steps_total\{[^}]*\} (\S+)$", RegexOptions.Multiline)]
    private static partial Regex StepsTotal();

    /// <summary>Polls <paramref name="probe"/> until it holds (a probe, not a fixed sleep).</summary>
    private static async Task Eventually(Func<Task<bool>> probe, string what)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (!await probe())
        {
            Assert.True(DateTime.UtcNow < deadline, $"never saw: {what}");
            await Task.Delay(100);
        }
    }

    private static async Task<HttpStatusCode> Status(HttpClient http, string path)
    {
        using var response = await http.GetAsync(path);
        return response.StatusCode;
    }

    private static async Task<double> Steps(HttpClient http) =>
        StepsTotal().Match(await http.GetStringAsync("/metrics")) is { Success: true } m ? double.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : 0;

    /// <summary>The repository's docs/images, or null when the tests run outside a checkout.</summary>
    private static string? ImagesDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "RnnCluster.sln")))
                return Directory.CreateDirectory(Path.Combine(dir.FullName, "docs", "images")).FullName;
        return null;
    }

    [Fact]
    public async Task The_page_follows_a_cluster_run_marks_a_killed_worker_lost_and_generates_text()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing (.ci/run installs it)");
        using var dir = new ScratchDirectory();
        string db = dir.File("store.db");
        // A finished run to overlay on the live one.
        var baseline = await CliProcess.RunAsync(dir.Path, Timeout, ["train", .. Model("60"), "--workers", "2", "--lr", "3e-3", "--db", db, "--run-id", "baseline", "--plain", "--samples", "0"]);
        Assert.True(baseline.ExitCode == 0, baseline.ToString());

        int port = FaultToleranceTests.FreePort();
        using var coordinator = CliProcess.Start(dir.Path, ["node", "--roles", "coordinator,ps", "--port", port.ToString(), "--db", db, "--run-id", "live",
            "--min-workers", "2", "--checkpoint-every", "20", "--keep-checkpoints", "1000", "--validate-every", "50", "--plain", "--samples", "0", .. Model("100000"), "--http", "127.0.0.1:0"]);
        string url = Regex.Match(await coordinator.WaitForLine("dashboard http://", Timeout), @"http://\S+").Value;
        using var http = new HttpClient { BaseAddress = new Uri(url) };
        await coordinator.WaitForLine(" up with roles ", Timeout);
        Assert.Equal(HttpStatusCode.OK, await Status(http, "/healthz"));
        // Ready once the run is offered and waits for its workers.
        await Eventually(async () => await Status(http, "/ready") == HttpStatusCode.OK, "/ready 200 while the run waits for workers");

        using var victim = CliProcess.Start(dir.Path, "node", "--roles", "worker", "--port", "0", "--seed", Address(port), "--plain");
        using var w2 = CliProcess.Start(dir.Path, "node", "--roles", "worker", "--port", "0", "--seed", Address(port), "--plain");
        using var w3 = CliProcess.Start(dir.Path, "node", "--roles", "worker", "--port", "0", "--seed", Address(port), "--plain");

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = Chromium, Headless = true, Args = ["--no-sandbox"] });
        var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1400, Height = 1300 } });
        await page.GotoAsync(url);

        var loss = page.Locator("#loss");
        await Eventually(async () => int.TryParse(await loss.GetAttributeAsync("data-points"), out int n) && n >= 5, "loss points on the page");
        int before = int.Parse((await loss.GetAttributeAsync("data-points"))!);
        await Eventually(async () => int.Parse((await loss.GetAttributeAsync("data-points"))!) > before + 20, "the loss curve gaining points");
        await Eventually(async () => await page.Locator("#workers tr[data-worker]").CountAsync() == 3, "three workers in the table");
        await Eventually(async () => await page.Locator("#members tbody tr").CountAsync() == 4, "four cluster members");
        double steps = await Steps(http);
        await Eventually(async () => await Steps(http) > steps, "rnncluster_steps_total growing");
        await Eventually(async () => await page.Locator("#checkpoints tbody tr").CountAsync() > 0, "a checkpoint in the table");
        string? images = ImagesDirectory();
        if (images is not null)
            await page.ScreenshotAsync(new() { Path = Path.Combine(images, "dashboard-run.png"), FullPage = true });

        victim.KillHard();
        var lostRow = page.Locator($"#workers tr.lost[data-worker*='/{victim.Id}/']");
        await Eventually(async () => await lostRow.CountAsync() == 1, "the killed worker marked lost");
        Assert.Equal(HttpStatusCode.OK, await Status(http, "/healthz"));
        Assert.Equal(HttpStatusCode.OK, await Status(http, "/ready"));
        steps = await Steps(http);
        await Eventually(async () => await Steps(http) > steps, "the run going on without the lost worker");

        // Every checkpoint is kept (--keep-checkpoints 1000): the first row's step must still be
        // stored when the request arrives; with the default 3 it had been deleted by then once.
        await page.Locator("#checkpoints tbody tr input[type=radio]").First.CheckAsync();
        await page.FillAsync("#prime", "B");
        await page.FillAsync("#length", "60");
        await page.ClickAsync("#generate button");
        await Eventually(async () => await page.Locator("#sample.done").CountAsync() == 1 || await page.Locator("#sample.error").CountAsync() == 1, "generated text");
        string sample = await page.InnerTextAsync("#sample");
        output.WriteLine(sample);
        Assert.Equal("done", await page.GetAttributeAsync("#sample", "class"));
        Assert.StartsWith("B", sample);

        await page.SelectOptionAsync("#compare", "baseline");
        await Eventually(async () => await loss.GetAttributeAsync("data-series") == "4", "the baseline overlaid");
        if (images is not null)
            await page.ScreenshotAsync(new() { Path = Path.Combine(images, "dashboard-compare.png"), FullPage = true });

        coordinator.Signal("INT");
        var ended = await coordinator.WaitAsync(Timeout);
        output.WriteLine(ended.ToString());
        Assert.True(ended.ExitCode == 0, ended.ToString());
    }
}
