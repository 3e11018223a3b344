using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace RnnCluster.Benchmarks;

/// <summary>
/// What watching a run costs: `train --workers 2` of config b without --http (A) and with --http,
/// an SSE client on /api/live/events and /metrics scraped every second (B), interleaved A,B,A,B…
/// so that drift of the host hits both alike. The acceptance bar is B within 3 % of A.
///   dashboard [--pairs 3] [--steps 300] [--corpus FILE | --dataset reber] [--cli PATH/rnncluster.dll] [--build]
/// Runs the Release CLI (as `soak` finds or builds it). Each run's tokens/s is its summary line's
/// (steps after the first 10). Last line: plain_tokens_per_s=… (median of A) dashboard_tokens_per_s=…
/// (median of B) ratio=… (median of the per-pair ratios B/A) scrapes=… events=… (B's totals).
/// </summary>
internal static partial class DashboardBenchmark
{
    private static readonly string[] Model =
        ["--embed", "64", "--hidden", "256", "--layers", "2", "--seq", "64", "--batch", "32", "--micro-batches", "2", "--lr", "2e-3"];

    [GeneratedRegex(@"\btokens_per_s=(\d+)")]
    private static partial Regex TokensPerSecond();

    [GeneratedRegex(@"^dashboard (http://\S+?)/?$")]
    private static partial Regex DashboardLine();

    public static int Run(string[] args)
    {
        var o = new BenchmarkOptions(args);
        int pairs = o.Int("pairs", 3), steps = o.Int("steps", 300);
        if (pairs < 1 || steps <= 20)
            throw new ArgumentException("--pairs must be >= 1 and --steps > 20.");
        string cli = Path.GetFullPath(o.String("cli") ?? SoakBenchmark.ReleaseCli(o.Flag("build")));
        string[] data = o.String("corpus") is { } corpus ? ["--corpus", Path.GetFullPath(corpus)]
            : o.String("dataset") is { } dataset ? ["--dataset", dataset]
            : SoakBenchmark.DefaultData();
        Console.WriteLine($"dashboard: {pairs} pairs of train --workers 2 --steps {steps} {string.Join(' ', Model)} {string.Join(' ', data)}; cli {cli}");

        var plain = new List<double>();
        var watched = new List<double>();
        int scrapes = 0, events = 0;
        for (int pair = 0; pair < pairs; pair++)
        {
            double a = Train(cli, data, steps, watch: false, ref scrapes, ref events);
            double b = Train(cli, data, steps, watch: true, ref scrapes, ref events);
            plain.Add(a);
            watched.Add(b);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"pair {pair + 1}: without --http {a:F0} tokens/s, watched {b:F0} tokens/s, ratio {b / a:F3}"));
        }
        double ratio = Stats.Median(plain.Zip(watched, (a, b) => b / a).ToList());
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"plain_tokens_per_s={Stats.Median(plain):F0} dashboard_tokens_per_s={Stats.Median(watched):F0} ratio={ratio:F3} scrapes={scrapes} events={events}"));
        return 0;
    }

    /// <summary>One run; with <paramref name="watch"/>, an SSE client and a once-a-second scraper while it trains.</summary>
    private static double Train(string cli, string[] data, int steps, bool watch, ref int scrapes, ref int events)
    {
        string dir = Directory.CreateTempSubdirectory("rnncluster-dashboard-bench-").FullName;
        try
        {
            string[] args = ["train", "--workers", "2", "--steps", steps.ToString(CultureInfo.InvariantCulture), "--checkpoint-every", "100",
                "--samples", "0", "--plain", "--db", Path.Combine(dir, "bench.db"), .. Model, .. data, .. (watch ? ["--http", "127.0.0.1:0"] : Array.Empty<string>())];
            var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = dir };
            start.ArgumentList.Add(cli);
            foreach (var a in args)
                start.ArgumentList.Add(a);
            using var process = Process.Start(start)!;
            var errors = new System.Text.StringBuilder();
            process.ErrorDataReceived += (_, e) => { lock (errors) errors.AppendLine(e.Data); };
            process.BeginErrorReadLine();
            using var stop = new CancellationTokenSource();
            var watchers = new List<Task>();
            int scraped = 0, received = 0;
            string? summary = null;
            while (process.StandardOutput.ReadLine() is { } line)
            {
                if (watch && watchers.Count == 0 && DashboardLine().Match(line) is { Success: true } m)
                {
                    var http = new HttpClient { BaseAddress = new Uri(m.Groups[1].Value), Timeout = Timeout.InfiniteTimeSpan };
                    watchers.Add(Task.Run(async () => received = await Listen(http, stop.Token)));
                    watchers.Add(Task.Run(async () => scraped = await Scrape(http, stop.Token)));
                }
                if (TokensPerSecond().IsMatch(line))
                    summary = line;
            }
            process.WaitForExit();
            stop.Cancel();
            Task.WaitAll(watchers);
            scrapes += scraped;
            events += received;
            if (process.ExitCode != 0 || summary is null)
                throw new InvalidOperationException($"train exited with {process.ExitCode} without a summary line: {errors}");
            return double.Parse(TokensPerSecond().Match(summary).Groups[1].Value, CultureInfo.InvariantCulture);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Reads the live stream as the page does; returns the events received.</summary>
    private static async Task<int> Listen(HttpClient http, CancellationToken stop)
    {
        int count = 0;
        try
        {
            using var stream = await http.GetStreamAsync("/api/live/events", stop);
            using var reader = new StreamReader(stream);
            while (await reader.ReadLineAsync(stop) is { } line)
                if (line.StartsWith("event: ", StringComparison.Ordinal))
                    count++;
        }
        catch (Exception e) when (e is OperationCanceledException or HttpRequestException or IOException)
        {
            // The run ended and took the server with it.
        }
        return count;
    }

    /// <summary>Scrapes /metrics once a second, as Prometheus would; returns the scrapes made.</summary>
    private static async Task<int> Scrape(HttpClient http, CancellationToken stop)
    {
        int count = 0;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            do
            {
                await http.GetStringAsync("/metrics", stop);
                count++;
            }
            while (await timer.WaitForNextTickAsync(stop));
        }
        catch (Exception e) when (e is OperationCanceledException or HttpRequestException or IOException)
        {
            // The run ended.
        }
        return count;
    }
}
