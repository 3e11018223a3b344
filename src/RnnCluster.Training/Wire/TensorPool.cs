namespace RnnCluster.Training.Wire;

/// <summary>
/// Exact-length byte arrays for <see cref="TensorBlob"/>s. A config-b step hands over two 3.5 MB
/// blobs per worker; as fresh large-object-heap arrays each cost a page-faulting allocation (≈ 1 ms
/// against 0.3 ms for the copy itself) and a gen-2 collection every few steps, which also stops the
/// compute threads (docs/decisions/0009-tensor-blob-pool.md). Only <see cref="TensorBlob"/> rents and
/// returns arrays: its owner count decides when an array comes back.
/// </summary>
public static class TensorPool
{
    /// <summary>Smaller arrays are ordinary allocations (the small-object heap handles them well).</summary>
    public const int MinPooledBytes = 64 * 1024;

    private const int ArraysPerLength = 8;
    private const long MaxPooledBytes = 512L * 1024 * 1024;

    private static readonly Dictionary<int, Stack<byte[]>> Free = new();
    private static readonly object Gate = new();
    private static long _pooledBytes;

    /// <summary>An array of exactly <paramref name="length"/> bytes with unspecified contents.</summary>
    internal static byte[] Rent(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (length >= MinPooledBytes)
        {
            lock (Gate)
            {
                if (Free.TryGetValue(length, out var stack) && stack.TryPop(out var array))
                {
                    _pooledBytes -= length;
                    return array;
                }
            }
        }
        return GC.AllocateUninitializedArray<byte>(length);
    }

    /// <summary>Takes <paramref name="array"/> back for the next <see cref="Rent"/> of its length, while there is room.</summary>
    /// <exception cref="InvalidOperationException">The array is already in the pool: two owners returned it.</exception>
    internal static void Return(byte[]? array)
    {
        if (array is null || array.Length < MinPooledBytes)
            return;
        lock (Gate)
        {
            if (!Free.TryGetValue(array.Length, out var stack))
                Free[array.Length] = stack = new Stack<byte[]>(ArraysPerLength);
            foreach (var free in stack)
                if (ReferenceEquals(free, array))
                    throw new InvalidOperationException($"A {array.Length}-byte tensor blob was returned to the pool twice: it has two owners.");
            if (stack.Count >= ArraysPerLength || _pooledBytes + array.Length > MaxPooledBytes)
                return;
            stack.Push(array);
            _pooledBytes += array.Length;
        }
    }
}
