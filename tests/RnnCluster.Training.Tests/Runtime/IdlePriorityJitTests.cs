using System.Diagnostics;
using System.Runtime.CompilerServices;
using RnnCluster.Training.Runtime;

namespace RnnCluster.Training.Tests.Runtime;

public sealed class IdlePriorityJitTests
{
    private const int SchedOther = 0, SchedIdle = 5;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    /// <summary>A thread of this process that blocks until disposed, and its OS id.</summary>
    private sealed class ParkedThread : IDisposable
    {
        private readonly ManualResetEventSlim _release = new();
        private readonly ManualResetEventSlim _named = new();
        private readonly TaskCompletionSource<int> _tid = new();

        /// <param name="lateName">Set from inside the thread after it has run unnamed (as the runtime names its own threads).</param>
        public ParkedThread(string? name, string? lateName = null)
        {
            var thread = new Thread(() =>
            {
                // "/proc/thread-self" links to "PID/task/TID".
                _tid.SetResult(int.Parse(Path.GetFileName(new DirectoryInfo("/proc/thread-self").LinkTarget!)));
                if (lateName is not null)
                {
                    _named.Wait();
                    Thread.CurrentThread.Name = lateName;
                }
                _release.Wait();
            }) { IsBackground = true };
            if (name is not null)
                thread.Name = name;
            thread.Start();
        }

        public int Tid => _tid.Task.WaitAsync(Patience).GetAwaiter().GetResult();

        public void NameNow() => _named.Set();

        public void Dispose() => _release.Set();
    }

    /// <summary>Field 41 of /proc/PID/task/TID/stat: the scheduling policy.</summary>
    private static int PolicyOf(int tid)
    {
        string stat = File.ReadAllText($"/proc/self/task/{tid}/stat");
        return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[38]);
    }

    private static int PolicyOrOtherIfGone(int tid)
    {
        try
        {
            return PolicyOf(tid);
        }
        catch (IOException)
        {
            return SchedOther; // exited meanwhile
        }
    }

    private static IEnumerable<int> ThreadsNamed(string name) =>
        Directory.GetDirectories("/proc/self/task").Where(t => ReadName(t) == name).Select(t => int.Parse(Path.GetFileName(t)));

    private static string ReadName(string task)
    {
        try
        {
            return File.ReadAllText(Path.Combine(task, "comm")).TrimEnd('\n');
        }
        catch (IOException)
        {
            return "";
        }
    }

    private static async Task AwaitConditionAsync(Func<bool> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < Patience, $"timed out waiting until {what}");
            await Task.Delay(10);
        }
    }

    private static string UniquePrefix() => "rnnjit-" + Guid.NewGuid().ToString("N")[..6];

    [Fact]
    public async Task A_thread_with_the_name_is_moved_to_idle_priority_and_other_threads_are_left_alone()
    {
        if (!OperatingSystem.IsLinux())
            return;
        string prefix = UniquePrefix();
        using var target = new ParkedThread(prefix + "-a");
        using var other = new ParkedThread("rnnjit-other");
        using var unnamed = new ParkedThread(null);
        Assert.Equal(SchedOther, PolicyOf(target.Tid));
        using (var watcher = IdlePriorityJit.Start(prefix))
        {
            // The watcher counts a thread just after moving it: wait for both.
            await AwaitConditionAsync(() => PolicyOf(target.Tid) == SchedIdle && watcher.Demoted == 1, "the named thread is at idle priority and counted");
            Assert.Equal(1, watcher.Demoted);
            Assert.Equal(SchedOther, PolicyOf(other.Tid));
            Assert.Equal(SchedOther, PolicyOf(unnamed.Tid));
            // Nor is the watcher itself (another test's may still be exiting: hence every one).
            Assert.All(ThreadsNamed("idle-priority-j"), tid => Assert.NotEqual(SchedIdle, PolicyOrOtherIfGone(tid)));
        }
        // Dispose ends the watcher; its OS thread goes shortly after the managed one has finished.
        await AwaitConditionAsync(() => !ThreadsNamed("idle-priority-j").Any(), "the watcher's thread has exited");
    }

    [Fact]
    public async Task A_thread_named_only_after_it_started_is_found_too()
    {
        if (!OperatingSystem.IsLinux())
            return;
        string prefix = UniquePrefix();
        using var watcher = IdlePriorityJit.Start(prefix);
        using var target = new ParkedThread(null, lateName: prefix + "-late");
        int tid = target.Tid;
        // Let the watcher look at the thread under its first name before it gets the watched one.
        long scans = watcher.Scans;
        await AwaitConditionAsync(() => watcher.Scans >= scans + 2, "the watcher has looked at the unnamed thread");
        Assert.Equal(SchedOther, PolicyOf(tid));
        Assert.Equal(0, watcher.Demoted);
        target.NameNow();
        await AwaitConditionAsync(() => PolicyOf(tid) == SchedIdle, "the late-named thread is at idle priority");
        // The watcher counts a demotion just after making it: wait for the count too.
        await AwaitConditionAsync(() => watcher.Demoted >= 1, "the demotion is counted");
        Assert.Equal(1, watcher.Demoted);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int CalledOften(int i) => i * 31 + 7;

    /// <summary>
    /// The name the watcher looks for is the one this runtime gives its tier-up thread: calling a
    /// method many times makes the runtime start that thread to recompile it.
    /// </summary>
    [Fact]
    public async Task The_runtimes_tier_up_thread_has_the_watched_name()
    {
        if (!OperatingSystem.IsLinux() || AppContext.GetData("System.Runtime.TieredCompilation") is "false" or false)
            return;
        int sum = 0;
        await AwaitConditionAsync(() =>
        {
            for (int i = 0; i < 1000; i++)
                sum += CalledOften(i);
            return ThreadsNamed(IdlePriorityJit.TieredCompilationThread).Any();
        }, $"a thread named '{IdlePriorityJit.TieredCompilationThread}' exists (sum {sum})");
    }
}
