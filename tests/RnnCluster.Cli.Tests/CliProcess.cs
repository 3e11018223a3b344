using System.Diagnostics;
using System.Text;

namespace RnnCluster.Cli.Tests;

/// <summary>The real `rnncluster` executable (built next to the tests) run as an OS process.</summary>
internal sealed class CliProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly StringBuilder _error = new();
    private readonly List<string> _lines = new();
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Seen)> _watches = new();

    private CliProcess(string workingDirectory, IEnumerable<string> args, string? networkNamespace = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        // `ip netns exec NS cmd` and `env … cmd` exec cmd in place: the process (and its id) is dotnet's.
        var start = new ProcessStartInfo(networkNamespace is not null ? "ip" : SigIntIgnored ? "env" : "dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (networkNamespace is not null)
            foreach (var a in new[] { "netns", "exec", networkNamespace, "dotnet" })
                start.ArgumentList.Add(a);
        else if (SigIntIgnored)
            foreach (var a in new[] { "--default-signal=INT", "dotnet" })
                start.ArgumentList.Add(a);
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "rnncluster.dll"));
        foreach (var a in args)
            start.ArgumentList.Add(a);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
            start.Environment[name] = value;
        _process = new Process { StartInfo = start };
        _process.OutputDataReceived += (_, e) => OnLine(e.Data, _output);
        _process.ErrorDataReceived += (_, e) => OnLine(e.Data, _error);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public static CliProcess Start(string workingDirectory, params string[] args) => new(workingDirectory, args);

    /// <summary>Starts the executable with these variables added to its environment (RNNCLUSTER_* settings, say).</summary>
    public static CliProcess Start(string workingDirectory, IReadOnlyDictionary<string, string> environment, params string[] args) =>
        new(workingDirectory, args, environment: environment);

    /// <summary>
    /// Whether this test run itself ignores SIGINT: a shell script's background job (`cmd &`) and
    /// nohup start with SIGINT ignored, children inherit that, and the runtime keeps an inherited
    /// "ignore" — so the Ctrl+C tests start rnncluster with SIGINT's default disposition.
    /// </summary>
    private static readonly bool SigIntIgnored = ReadSigIntIgnored();

    private static bool ReadSigIntIgnored()
    {
        if (!OperatingSystem.IsLinux())
            return false;
        var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal));
        return line is not null && (Convert.ToUInt64(line["SigIgn:".Length..].Trim(), 16) & (1UL << (2 - 1))) != 0; // SIGINT = 2
    }

    /// <summary>Starts the executable inside a network namespace (`ip netns exec`; needs root).</summary>
    public static CliProcess StartInNamespace(string networkNamespace, string workingDirectory, params string[] args) =>
        new(workingDirectory, args, networkNamespace);

    public int Id => _process.Id;

    /// <summary>Completes when the process has exited and its output is read to the end.</summary>
    public async Task ExitedAsync()
    {
        await _process.WaitForExitAsync();
        _process.WaitForExit();
    }

    /// <summary>Lines of standard output so far: a mark for <see cref="WaitForLine(string, TimeSpan, int)"/>.</summary>
    public int LineCount { get { lock (_output) return _lines.Count; } }

    /// <summary>Runs to completion (or fails the test after the timeout).</summary>
    public static async Task<CliResult> RunAsync(string workingDirectory, TimeSpan timeout, params string[] args)
    {
        using var process = Start(workingDirectory, args);
        return await process.WaitAsync(timeout);
    }

    public string Output { get { lock (_output) return _output.ToString(); } }

    public string Error { get { lock (_output) return _error.ToString(); } }

    /// <summary>Completes when a line of standard output contains <paramref name="text"/>.</summary>
    public Task<string> WaitForLine(string text, TimeSpan timeout) => WaitForLine(line => line.Contains(text, StringComparison.Ordinal), timeout);

    /// <summary>Completes when a line of standard output after the first <paramref name="afterLine"/> lines contains <paramref name="text"/>.</summary>
    public Task<string> WaitForLine(string text, TimeSpan timeout, int afterLine) =>
        WaitForLine(line => line.Contains(text, StringComparison.Ordinal), timeout, afterLine);

    /// <summary>Completes with the first line of standard output (after the first <paramref name="afterLine"/>) that matches.</summary>
    public Task<string> WaitForLine(Func<string, bool> match, TimeSpan timeout, int afterLine = 0)
    {
        var seen = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_output)
        {
            foreach (var line in _lines.Skip(afterLine))
                if (match(line))
                {
                    seen.TrySetResult(line);
                    break;
                }
            _watches.Add((match, seen));
        }
        return WithOutputOnTimeout(seen.Task, timeout);
    }

    private async Task<string> WithOutputOnTimeout(Task<string> seen, TimeSpan timeout)
    {
        try
        {
            return await seen.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"rnncluster (pid {_process.Id}) printed no awaited line within {timeout}.\nstdout:\n{Output}\nstderr:\n{Error}");
        }
    }

    /// <summary>SIGTERM (or SIGINT): what `docker stop`, systemd or Ctrl+C send.</summary>
    public void Signal(string signal)
    {
        using var kill = Process.Start("kill", $"-{signal} {_process.Id}")!;
        kill.WaitForExit();
    }

    /// <summary>SIGKILL: no graceful shutdown, no final checkpoint.</summary>
    public void KillHard() => _process.Kill(entireProcessTree: true);

    public async Task<CliResult> WaitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            KillHard();
            throw new TimeoutException($"rnncluster did not finish within {timeout}.\nstdout:\n{Output}\nstderr:\n{Error}");
        }
        _process.WaitForExit(); // drains the output readers
        return new CliResult(_process.ExitCode, Output, Error);
    }

    private void OnLine(string? line, StringBuilder into)
    {
        if (line is null)
            return;
        lock (_output)
        {
            into.AppendLine(line);
            if (into != _output)
                return;
            _lines.Add(line);
            foreach (var (match, seen) in _watches)
                if (match(line))
                    seen.TrySetResult(line);
        }
    }

    private bool _disposed;

    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        try
        {
            if (!_process.HasExited)
                KillHard();
        }
        catch (InvalidOperationException) { }
        _process.Dispose();
    }
}

internal sealed record CliResult(int ExitCode, string Output, string Error)
{
    public string LastLine => Output.TrimEnd().Split('\n')[^1].Trim();

    public override string ToString() => $"exit {ExitCode}\nstdout:\n{Output}\nstderr:\n{Error}";
}

/// <summary>A scratch directory per test, removed afterwards.</summary>
internal sealed class ScratchDirectory : IDisposable
{
    public ScratchDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "rnncluster-cli-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}
