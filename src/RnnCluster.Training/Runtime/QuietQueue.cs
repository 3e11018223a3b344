namespace RnnCluster.Training.Runtime;

/// <summary>
/// A blocking FIFO whose waiting threads sleep at once instead of spinning first.
/// <see cref="System.Collections.Concurrent.BlockingCollection{T}"/> (through SemaphoreSlim)
/// spins and yields before it blocks. On a CPU that a compute thread keeps busy every yield is a
/// turn taken from the gradient math: with the machine saturated, a waiting bulk-channel writer
/// stayed runnable for most of each step and preempted the compute threads hundreds of times a
/// second (docs/decisions/0013-no-spinning-waits.md). Hand-overs here happen a few times per step,
/// so the microseconds of a kernel wake-up cost nothing.
/// </summary>
internal sealed class QuietQueue<T>
{
    private readonly Queue<T> _items = new();
    private readonly int _capacity;
    private bool _completed;

    /// <param name="capacity">Most items held; <see cref="Add"/> waits while the queue is full.</param>
    public QuietQueue(int capacity = int.MaxValue)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
    }

    /// <summary>Appends <paramref name="item"/>, waiting for room. Throws once <see cref="CompleteAdding"/> was called.</summary>
    public void Add(T item)
    {
        lock (_items)
        {
            while (!_completed && _items.Count >= _capacity)
                Monitor.Wait(_items);
            if (_completed)
                throw new InvalidOperationException("The queue was completed; nothing more can be added.");
            _items.Enqueue(item);
            Monitor.PulseAll(_items);
        }
    }

    /// <summary>Takes the oldest item if there is one, without waiting.</summary>
    public bool TryTake(out T item)
    {
        lock (_items)
        {
            if (_items.TryDequeue(out item!))
            {
                Monitor.PulseAll(_items);
                return true;
            }
            return false;
        }
    }

    /// <summary>Takes the oldest item, waiting for one; false when the queue is completed and empty.</summary>
    public bool Take(out T item)
    {
        lock (_items)
        {
            while (_items.Count == 0 && !_completed)
                Monitor.Wait(_items);
            if (_items.TryDequeue(out item!))
            {
                Monitor.PulseAll(_items);
                return true;
            }
            return false;
        }
    }

    /// <summary>Items in order until the queue is completed and drained.</summary>
    public IEnumerable<T> GetConsumingEnumerable()
    {
        while (Take(out var item))
            yield return item;
    }

    /// <summary>Refuses further items; takers drain what is left, then stop.</summary>
    public void CompleteAdding()
    {
        lock (_items)
        {
            _completed = true;
            Monitor.PulseAll(_items);
        }
    }
}
