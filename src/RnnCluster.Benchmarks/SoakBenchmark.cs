using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using RnnCluster.Training.Wire;

namespace RnnCluster.Benchmarks;

/// <summary>
/// Heartbeats under load: a coordinator+ps node and two worker nodes of the real CLI on loopback
/// train a model big enough to keep both cores busy with gradient math for --minutes, with Akka's
/// informational logging on; afterwards every line of every node is scanned for a failure
/// detector verdict ("UNREACHABLE"/"unreachable") or a lost worker ("lost ("). Nothing of the
/// kind may happen while the run is on: on a healthy machine a busy node is not a dead one.
///   soak [--minutes 10] [--corpus FILE | --dataset reber] [--cli PATH/rnncluster.dll] [--build] [--out DIR]
/// The nodes are child processes of `dotnet src/RnnCluster.Cli/bin/Release/net10.0/rnncluster.dll`
/// (found above the current directory); it is built first (`dotnet build -c Release`) when it is
/// missing or with --build. Model: config b (embed 64, hidden 256, 2 layers, T 64, B 32, 2
/// micro-batches: one per worker), on ../shared/data/tinyshakespeare.txt when present, else the
/// built-in reber text. The soak window runs from the run's start to its final validation; lines
/// after that (nodes leaving) are counted apart, not as verdicts. The nodes' logs stay in --out
/// (default a new directory under the temp directory); the run's checkpoint store is deleted.
/// Last line: soak_seconds=… steps=… unreachable_events=N. Exit code 1 when N > 0, 3 when the run
/// itself failed (no verdict), else 0.
/// </summary>
internal static class SoakBenchmark
{
    private static readonly string[] Model =
        ["--embed", "64", "--hidden", "256", "--layers", "2", "--seq", "64", "--batch", "32", "--micro-batches", "2", "--lr", "2e-3"];

    private static readonly string[] Verdicts = ["UNREACHABLE", "unreachable", "lost ("];

    public static int Run(string[] args)
    {
        var o = new BenchmarkOptions(args);
        double minutes = o.Float("minutes", 10);
        if (minutes <= 0)
            throw new ArgumentException("--minutes must be positive.");
        int seconds = (int)Math.Round(minutes * 60);
        string cli = o.String("cli") ?? ReleaseCli(o.Flag("build"));
        string[] data = o.String("corpus") is { } corpus ? ["--corpus", Path.GetFullPath(corpus)]
            : o.String("dataset") is { } dataset ? ["--dataset", dataset]
            : DefaultData();
        string dir = Path.GetFullPath(o.String("out") ?? Path.Combine(Path.GetTempPath(), $"rnncluster-soak-{DateTime.UtcNow:yyyyMMdd-HHmmss}"));
        Directory.CreateDirectory(dir);
        string runId = $"soak-{DateTime.UtcNow:HHmmss}";
        int port = PortPair.FreeOnLoopback();

        Console.WriteLine($"soak: {seconds} s of training, {Environment.ProcessorCount} cores, cli {cli}");
        Console.WriteLine($"  model {string.Join(' ', Model)} {string.Join(' ', data)}; logs in {dir}");

        var clock = Stopwatch.StartNew();
        using var coordinator = new Node("coordinator", cli, dir, clock,
            ["node", "--roles", "coordinator,ps", "--host", "127.0.0.1", "--port", port.ToString(CultureInfo.InvariantCulture),
             "--db", Path.Combine(dir, "soak.db"), "--run-id", runId, "--min-workers", "2", "--steps", "100000000",
             "--max-seconds", seconds.ToString(CultureInfo.InvariantCulture), "--checkpoint-every", "500", "--samples", "0",
             "--plain", "--verbose", .. Model, .. data]);
        if (!coordinator.WaitFor(l => l.Contains(" up with roles ", StringComparison.Ordinal), TimeSpan.FromMinutes(2)))
            return Fail("the coordinator node did not come up", coordinator);
        string seed = $"akka.tcp://rnncluster@127.0.0.1:{port}";
        using var worker1 = new Node("worker1", cli, dir, clock, ["node", "--roles", "worker", "--port", "0", "--seed", seed, "--plain", "--verbose", "--rejoin-for", "60"]);
        using var worker2 = new Node("worker2", cli, dir, clock, ["node", "--roles", "worker", "--port", "0", "--seed", seed, "--plain", "--verbose", "--rejoin-for", "60"]);
        Node[] nodes = [coordinator, worker1, worker2];

        if (!coordinator.WaitFor(l => l.Contains($"[{runId}] new run", StringComparison.Ordinal), TimeSpan.FromMinutes(3)))
            return Fail("the run did not start", coordinator);
        var start = clock.Elapsed;
        var cpuAtStart = nodes.Select(n => n.CpuTime).ToArray();
        Console.WriteLine($"{start.TotalSeconds,6:F0} s  run started");

        // Progress once a minute until the final validation (the end of the training window).
        var end = TimeSpan.Zero;
        TimeSpan[]? cpuAtEnd = null;
        var nextReport = start + TimeSpan.FromMinutes(1);
        var giveUp = start + TimeSpan.FromSeconds(seconds) + TimeSpan.FromMinutes(10);
        while (end == TimeSpan.Zero)
        {
            if (coordinator.WaitFor(l => l.Contains($"[{runId}] validation loss", StringComparison.Ordinal), nextReport - clock.Elapsed) || coordinator.HasExited)
            {
                end = clock.Elapsed;
                cpuAtEnd = nodes.Select(n => n.CpuTime).ToArray();
                break;
            }
            if (clock.Elapsed > giveUp)
                return Fail("the run did not end in time", coordinator);
            Console.WriteLine($"{clock.Elapsed.TotalSeconds,6:F0} s  {coordinator.LastLine(l => l.StartsWith($"[{runId}] step ", StringComparison.Ordinal)) ?? "(no step yet)"}");
            nextReport += TimeSpan.FromMinutes(1);
        }
        Console.WriteLine($"{end.TotalSeconds,6:F0} s  training over: {coordinator.LastLine(l => l.StartsWith($"[{runId}] validation loss", StringComparison.Ordinal)) ?? "(coordinator exited)"}");

        bool finished = coordinator.WaitForExit(TimeSpan.FromMinutes(5));
        foreach (var worker in new[] { worker1, worker2 })
            worker.WaitForExit(TimeSpan.FromMinutes(1));

        foreach (var file in Directory.EnumerateFiles(dir, "soak.db*"))
            File.Delete(file); // checkpoints of a throw-away run; the logs stay

        double window = (end - start).TotalSeconds;
        double cpu = Enumerable.Range(0, nodes.Length).Sum(i => (cpuAtEnd![i] - cpuAtStart[i]).TotalSeconds);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"cpu: the three nodes used {cpu:F0} s of CPU in {window:F0} s = {cpu / window:F2} cores of {Environment.ProcessorCount} (load average {LoadAverage()})"));

        var during = new List<string>();
        int after = 0;
        foreach (var node in nodes)
            foreach (var (at, line) in node.Lines)
            {
                if (!Verdicts.Any(v => line.Contains(v, StringComparison.Ordinal)))
                    continue;
                if (at <= end)
                    during.Add($"{at.TotalSeconds,6:F0} s  {node.Name}: {Shorten(line)}");
                else
                    after++;
            }
        foreach (var line in during.Take(30))
            Console.WriteLine(line);
        if (after > 0)
            Console.WriteLine($"({after} such line(s) after the end of training, while the nodes left, not counted)");
        int heartbeatWarnings = nodes.Sum(n => n.Lines.Count(l => l.At <= end && l.Text.Contains("heartbeat interval is growing too large", StringComparison.Ordinal)));
        Console.WriteLine($"heartbeat-interval warnings during the soak: {heartbeatWarnings}");

        string? summary = coordinator.LastLine(l => l.StartsWith($"run={runId} ", StringComparison.Ordinal));
        var stepMatch = summary is null ? null : Regex.Match(summary, @"\bsteps=(\d+)");
        string steps = stepMatch is { Success: true } ? stepMatch.Groups[1].Value
            : Regex.Match(coordinator.LastLine(l => l.StartsWith($"[{runId}] step ", StringComparison.Ordinal)) ?? "", @"step (\d+)/") is { Success: true } m ? m.Groups[1].Value : "?";
        if (summary is not null)
            Console.WriteLine(summary);
        if (!finished || coordinator.ExitCode != 0)
            Console.Error.WriteLine($"warning: the coordinator {(finished ? $"exited with {coordinator.ExitCode}" : "did not exit")}; see {coordinator.LogPath}");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"soak_seconds={window:F0} steps={steps} unreachable_events={during.Count}"));
        return during.Count > 0 ? 1 : finished && coordinator.ExitCode == 0 ? 0 : 3;
    }

    private static int Fail(string what, Node node)
    {
        Console.Error.WriteLine($"soak failed: {what}; see {node.LogPath}");
        Console.WriteLine("soak_seconds=0 steps=0 unreachable_events=?");
        return 3;
    }

    private static string Shorten(string line) => line.Length > 240 ? line[..240] + "…" : line;

    private static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "n/a";
        }
    }

    internal static string[] DefaultData()
    {
        try
        {
            return ["--corpus", BenchmarkOptions.DefaultCorpusPath()];
        }
        catch (FileNotFoundException)
        {
            return ["--dataset", "reber"];
        }
    }

    /// <summary>The Release build of the CLI above the current directory, built first when missing (or asked to).</summary>
    internal static string ReleaseCli(bool build)
    {
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            string project = Path.Combine(dir.FullName, "src", "RnnCluster.Cli", "RnnCluster.Cli.csproj");
            if (!File.Exists(project))
                continue;
            string dll = Path.Combine(dir.FullName, "src", "RnnCluster.Cli", "bin", "Release", "net10.0", "rnncluster.dll");
            if (build || !File.Exists(dll))
            {
                Console.WriteLine($"building {project} (Release)…");
                using var process = Process.Start(new ProcessStartInfo("dotnet", ["build", "-c", "Release", "--nologo", "-v", "q", project]) { UseShellExecute = false })!;
                process.WaitForExit();
                if (process.ExitCode != 0 || !File.Exists(dll))
                    throw new InvalidOperationException($"building {project} failed (exit {process.ExitCode}).");
            }
            return dll;
        }
        throw new FileNotFoundException("src/RnnCluster.Cli not found above the current directory; run from the checkout or pass --cli PATH/rnncluster.dll.");
    }

    /// <summary>One node: a child process whose output lines are kept with their arrival time and written to NAME.log.</summary>
    private sealed class Node : IDisposable
    {
        private readonly Process _process;
        private readonly List<(TimeSpan At, string Text)> _lines = new();
        private readonly StreamWriter _log;
        private readonly Stopwatch _clock;
        private bool _closed;

        public Node(string name, string cli, string dir, Stopwatch clock, string[] args)
        {
            Name = name;
            _clock = clock;
            LogPath = Path.Combine(dir, name + ".log");
            _log = new StreamWriter(LogPath) { AutoFlush = true };
            var start = new ProcessStartInfo("dotnet") { WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            start.ArgumentList.Add(cli);
            foreach (var a in args)
                start.ArgumentList.Add(a);
            _process = new Process { StartInfo = start };
            _process.OutputDataReceived += (_, e) => OnLine(e.Data);
            _process.ErrorDataReceived += (_, e) => OnLine(e.Data);
            _process.Start();
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
        }

        public string Name { get; }

        public string LogPath { get; }

        public bool HasExited => _process.HasExited;

        public int ExitCode => _process.ExitCode;

        public TimeSpan CpuTime
        {
            get
            {
                try
                {
                    return _process.TotalProcessorTime;
                }
                catch (InvalidOperationException)
                {
                    return TimeSpan.Zero; // exited
                }
            }
        }

        public IReadOnlyList<(TimeSpan At, string Text)> Lines
        {
            get { lock (_lines) return _lines.ToList(); }
        }

        public string? LastLine(Func<string, bool> match)
        {
            lock (_lines)
                return _lines.LastOrDefault(l => match(l.Text)).Text;
        }

        /// <summary>True once a line matches (also one already seen); false after the timeout.</summary>
        public bool WaitFor(Func<string, bool> match, TimeSpan timeout)
        {
            var until = _clock.Elapsed + (timeout > TimeSpan.Zero ? timeout : TimeSpan.Zero);
            lock (_lines)
            {
                int seen = 0;
                while (true)
                {
                    for (; seen < _lines.Count; seen++)
                        if (match(_lines[seen].Text))
                            return true;
                    var left = until - _clock.Elapsed;
                    if (left <= TimeSpan.Zero)
                        return false;
                    Monitor.Wait(_lines, left); // woken by every new line
                }
            }
        }

        public bool WaitForExit(TimeSpan timeout)
        {
            if (!_process.WaitForExit(timeout))
                return false;
            _process.WaitForExit(); // drains the output readers
            return true;
        }

        private void OnLine(string? line)
        {
            if (line is null)
                return;
            lock (_lines)
            {
                if (_closed)
                    return;
                _lines.Add((_clock.Elapsed, line));
                _log.WriteLine(line);
                Monitor.PulseAll(_lines);
            }
        }

        public void Dispose()
        {
            try
            {
                if (!_process.HasExited)
                    _process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException) { }
            _process.Dispose();
            lock (_lines)
            {
                _closed = true;
                _log.Dispose();
            }
        }
    }
}
