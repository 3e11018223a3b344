using System.Diagnostics;
using System.Globalization;

namespace RnnCluster.Training.Runtime;

/// <summary>
/// Where the time of a step goes, across processes: with RNNCLUSTER_STEP_TRACE=PREFIX each process
/// appends "MICROSECONDS PID EVENT STEP" lines to PREFIX.PID. The clock is the machine's monotonic
/// clock (<see cref="Stopwatch"/>), shared by every process on one host, so the files of a
/// several-process run on one machine line up (`scripts/step-timeline.py` reads them). Off by
/// default; when off, a mark is one field test.
/// </summary>
public static class StepTrace
{
    public const string Variable = "RNNCLUSTER_STEP_TRACE";

    // The events, in the order a synchronous step meets them.
    public const string WorkAssigned = "work-assigned";             // worker: the coordinator handed it a share of step s
    public const string ParametersReceived = "parameters-received"; // worker: version s arrived (from shards: the last slice)
    public const string ComputeStarted = "compute-started";         // worker's compute thread: step s begins
    public const string GradientPartReady = "gradient-part-ready";  // worker's compute thread: an early part of a sub-tree's gradient is final (backward goes on)
    public const string GradientReady = "gradient-ready";           // worker's compute thread: a sub-tree's gradient is final (its last part)
    public const string GradientReceived = "gradient-received";     // parameter server: a gradient of step s arrived
    public const string ShardReduced = "shard-reduced";             // shard: its range of step s is reduced, block sums sent to the others
    public const string ApplyStarted = "apply-started";             // parameter server: the reduction is complete (a shard: every shard's block sums are in)
    public const string Applied = "applied";                        // parameter server: the optimizer has run
    public const string Published = "published";                    // parameter server (or shard): version s+1 handed to the wire
    public const string StepReported = "step-reported";             // coordinator: the server reported step s applied

    private static readonly object Gate = new();
    private static StreamWriter? _writer;
    private static readonly long TicksPerMicrosecond = Math.Max(1, Stopwatch.Frequency / 1_000_000);

    static StepTrace()
    {
        if (Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } prefix)
            Start($"{prefix}.{Environment.ProcessId}");
    }

    public static bool IsOn => _writer is not null;

    /// <summary>Starts writing to <paramref name="path"/> (appending); tests call it, processes use the environment variable.</summary>
    public static void Start(string path)
    {
        lock (Gate)
        {
            _writer?.Dispose();
            // Flushed line by line: a node killed at the end of a benchmark must not take its last marks with it.
            _writer = new StreamWriter(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read), bufferSize: 1 << 12) { AutoFlush = true };
        }
        AppDomain.CurrentDomain.ProcessExit -= OnExit;
        AppDomain.CurrentDomain.ProcessExit += OnExit;
    }

    /// <summary>Flushes and closes the file; later marks are dropped.</summary>
    public static void Stop()
    {
        lock (Gate)
        {
            _writer?.Dispose();
            _writer = null;
        }
    }

    public static void Mark(string @event, long step)
    {
        if (_writer is null)
            return;
        long microseconds = Stopwatch.GetTimestamp() / TicksPerMicrosecond;
        lock (Gate)
            _writer?.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{microseconds} {Environment.ProcessId} {@event} {step}"));
    }

    private static void OnExit(object? sender, EventArgs e) => Stop();
}
