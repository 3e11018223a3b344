using System.Runtime.ExceptionServices;

namespace RnnCluster.Core.Kernels;

/// <summary>
/// Runs <c>body(i)</c> for every i in [0, count) on the calling thread and up to
/// <see cref="Threads"/> − 1 helper threads. Every use writes disjoint ranges whose values do not
/// depend on which thread computes them, so the bytes are the same for any thread count.
/// The helpers are dedicated threads, not the thread pool: heavy math on the pool starves
/// Akka's heartbeats (docs/decisions/0001-gradient-math-on-dedicated-threads.md), and they wait
/// in <c>Monitor.Wait</c>, never spinning (docs/decisions/0013-no-spinning-waits.md).
/// </summary>
public sealed class BlockParallel : IDisposable
{
    /// <summary>No helper threads: everything runs on the caller.</summary>
    public static readonly BlockParallel Sequential = new(1);

    private readonly Thread[] _helpers;
    private readonly Lock _gate = new();    // one loop at a time
    private readonly object _signal = new(); // helpers wait here for a loop, the caller for its end
    private long _generation;
    private int _wanted;
    private bool _finished;
    private Action<int>? _body;
    private int _count;
    private int _next;
    private int _active;
    private ExceptionDispatchInfo? _error;
    private volatile bool _disposed;

    public BlockParallel(int threads, string name = "rnncluster-block")
    {
        Threads = Math.Max(1, threads);
        _helpers = new Thread[Threads - 1];
        for (int t = 0; t < _helpers.Length; t++)
        {
            _helpers[t] = new Thread(Help) { IsBackground = true, Name = $"{name}-{t + 1}" };
            _helpers[t].Start();
        }
    }

    /// <summary>The caller and its helpers.</summary>
    public int Threads { get; }

    /// <summary>Runs <paramref name="body"/> for 0..count−1 and returns when all are done; rethrows the first exception.</summary>
    public void For(int count, Action<int> body)
    {
        if (count <= 0)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return;
        }
        int helpers = Math.Min(_helpers.Length, count - 1);
        if (helpers == 0)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            for (int i = 0; i < count; i++)
                body(i);
            return;
        }
        lock (_gate) // Dispose takes it too: helpers never leave while a loop waits for them
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _body = body;
            _count = count;
            _next = 0;
            _error = null;
            _active = helpers;
            lock (_signal)
            {
                _wanted = helpers;
                _finished = false;
                _generation++;
                Monitor.PulseAll(_signal);
            }
            Drain();
            lock (_signal)
            {
                while (!_finished)
                    Monitor.Wait(_signal);
            }
            _body = null;
            _error?.Throw();
        }
    }

    private void Help()
    {
        long seen = 0;
        while (true)
        {
            lock (_signal)
            {
                while (_generation == seen && !_disposed)
                    Monitor.Wait(_signal);
                if (_disposed)
                    return;
                seen = _generation;
                if (_wanted == 0)
                    continue; // enough helpers took this loop
                _wanted--;
            }
            Drain();
            if (Interlocked.Decrement(ref _active) == 0)
                lock (_signal)
                {
                    _finished = true;
                    Monitor.PulseAll(_signal);
                }
        }
    }

    private void Drain()
    {
        var body = _body!;
        int i;
        while ((i = Interlocked.Increment(ref _next) - 1) < _count)
        {
            try
            {
                body(i);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref _error, ExceptionDispatchInfo.Capture(e), null);
            }
        }
    }

    public void Dispose()
    {
        if (_disposed || ReferenceEquals(this, Sequential))
            return;
        lock (_gate)
            lock (_signal)
            {
                _disposed = true;
                Monitor.PulseAll(_signal);
            }
        foreach (var helper in _helpers)
            helper.Join();
    }
}
