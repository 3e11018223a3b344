using System.Runtime.InteropServices;

namespace RnnCluster.Training.Runtime;

/// <summary>
/// Keeps the runtime's tiered-compilation thread at idle scheduling priority (Linux SCHED_IDLE),
/// so that it recompiles hot methods only while a CPU has nothing else to do.
/// Why: a worker process bound to one CPU recompiled Akka, remoting and serializer code at tier 1
/// for about a second of CPU in bursts of half a second, while its compute thread waited for that
/// CPU; in a synchronous run the other worker then waited too. With the thread at idle priority
/// the same work happens in the gaps of each step (docs/decisions/0020-tier-up-thread-at-idle-priority.md).
/// The runtime creates that thread on demand and lets it exit after a few idle
/// seconds, so a background thread looks for new ones every 50 ms. Only threads
/// whose OS name starts with the given prefix are touched; elsewhere than Linux nothing happens.
/// </summary>
public sealed partial class IdlePriorityJit : IDisposable
{
    /// <summary>The runtime's name of that thread, ".NET Tiered Compilation Worker", as Linux stores it (15 bytes).</summary>
    public const string TieredCompilationThread = ".NET Tiered Com";

    private static readonly TimeSpan Period = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// For how many passes after a thread is first seen its name is still read (about a second;
    /// counted in passes, not time, so that a loaded machine that delays the watcher does not
    /// shorten it).
    /// </summary>
    private const long NameSettlesAfterScans = 20;

    private const int SchedIdle = 5;

    private readonly string _threadNamePrefix;
    /// <summary>Thread id → the pass that first saw it, or -1 once demoted.</summary>
    private readonly Dictionary<int, long> _firstSeen = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread? _watcher;
    private int _demoted;
    private long _scans;

    private IdlePriorityJit(string threadNamePrefix)
    {
        _threadNamePrefix = threadNamePrefix;
        if (!OperatingSystem.IsLinux())
            return;
        // Normal priority on purpose: at idle priority the watcher would run only once the busy
        // thread it should demote left the CPU to it.
        _watcher = new Thread(Watch) { IsBackground = true, Name = "idle-priority-jit" };
        _watcher.Start();
    }

    /// <summary>Starts watching this process for threads named <paramref name="threadNamePrefix"/>…; dispose to stop.</summary>
    public static IdlePriorityJit Start(string threadNamePrefix = TieredCompilationThread)
    {
        ArgumentException.ThrowIfNullOrEmpty(threadNamePrefix);
        return new IdlePriorityJit(threadNamePrefix);
    }

    /// <summary>How many threads have been moved to idle priority so far.</summary>
    public int Demoted => Volatile.Read(ref _demoted);

    /// <summary>How many times the process's threads have been looked through so far.</summary>
    public long Scans => Interlocked.Read(ref _scans);

    public void Dispose()
    {
        _stop.Cancel();
        _watcher?.Join();
        _stop.Dispose();
    }

    private void Watch()
    {
        try
        {
            do
            {
                DemoteNewThreads();
                Interlocked.Increment(ref _scans);
            }
            while (!_stop.Token.WaitHandle.WaitOne(Period));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or DllNotFoundException or EntryPointNotFoundException)
        {
            // A system without /proc or the libc entry point: the process trains as it would
            // without this thread, which is an optimisation and must never end a run.
        }
    }

    private void DemoteNewThreads()
    {
        string[] tasks = Directory.GetDirectories("/proc/self/task");
        long pass = _scans;
        var alive = new HashSet<int>(tasks.Length);
        foreach (var task in tasks)
        {
            if (!int.TryParse(Path.GetFileName(task), out int tid))
                continue;
            alive.Add(tid);
            // A new thread carries its creator's name until the runtime names it, so a thread's
            // name is read again for a while after it is first seen, then no more.
            if (!_firstSeen.TryGetValue(tid, out long firstSeen))
                _firstSeen[tid] = firstSeen = pass;
            else if (firstSeen < 0 || pass - firstSeen > NameSettlesAfterScans)
                continue;
            string name;
            try
            {
                name = File.ReadAllText(Path.Combine(task, "comm"));
            }
            catch (IOException)
            {
                continue; // exited meanwhile
            }
            if (!name.StartsWith(_threadNamePrefix, StringComparison.Ordinal))
                continue;
            _firstSeen[tid] = -1;
            var parameters = new SchedParam();
            if (SchedSetScheduler(tid, SchedIdle, ref parameters) == 0)
                Interlocked.Increment(ref _demoted);
        }
        // Ids of threads that have exited may be reused by new ones.
        if (_firstSeen.Count > 2 * alive.Count + 64)
            foreach (int gone in _firstSeen.Keys.Where(id => !alive.Contains(id)).ToList())
                _firstSeen.Remove(gone);
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct SchedParam
    {
        public int Priority;
    }

    [LibraryImport("libc", EntryPoint = "sched_setscheduler", SetLastError = true)]
    private static partial int SchedSetScheduler(int pid, int policy, ref SchedParam param);
}
