using System.Buffers;

namespace RnnCluster.Training.Wire;

/// <summary>
/// A growable <see cref="IBufferWriter{T}"/> over pooled arrays: a serialized parameter or gradient
/// message (megabytes) is written here and handed to the bulk channel, which returns the array after
/// the socket write. Without the pool each such message was a fresh large-object-heap array, and
/// those allocations (page faults, gen-2 collections) cost more than the copies themselves.
/// </summary>
public sealed class PooledBuffer : IBufferWriter<byte>, IDisposable
{
    /// <summary>Big enough for the largest tensor message; a few arrays per size are kept.</summary>
    public static readonly ArrayPool<byte> Pool = ArrayPool<byte>.Create(maxArrayLength: 1 << 30, maxArraysPerBucket: 8);

    private byte[] _array;
    private int _written;

    public PooledBuffer(int capacity = 4096) => _array = Pool.Rent(Math.Max(capacity, 256));

    public int Length => _written;

    public ReadOnlyMemory<byte> WrittenMemory => _array.AsMemory(0, _written);

    public byte[] Array => _array;

    public void Advance(int count)
    {
        if (count < 0 || _written + count > _array.Length)
            throw new ArgumentOutOfRangeException(nameof(count), $"Advance({count}) past the {_array.Length - _written} free bytes.");
        _written += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Reserve(sizeHint);
        return _array.AsMemory(_written);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Reserve(sizeHint);
        return _array.AsSpan(_written);
    }

    private void Reserve(int sizeHint)
    {
        int needed = _written + Math.Max(sizeHint, 1);
        if (needed <= _array.Length)
            return;
        var bigger = Pool.Rent(Math.Max(needed, checked(_array.Length * 2)));
        _array.AsSpan(0, _written).CopyTo(bigger);
        Pool.Return(_array);
        _array = bigger;
    }

    /// <summary>Returns the array to the pool; the buffer must not be used afterwards.</summary>
    public void Dispose()
    {
        var array = Interlocked.Exchange(ref _array, null!);
        if (array is not null)
            Pool.Return(array);
    }
}
