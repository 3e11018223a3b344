using System.Runtime.InteropServices;

namespace RnnCluster.Training.Wire;

/// <summary>
/// The tensor of a message (parameters, a gradient): an exact-length byte array from the
/// <see cref="TensorPool"/> with counted owners. Whoever holds a blob owns one share of it and gives
/// that share up exactly once with <see cref="Dispose"/>: the receiver of a message once it has
/// consumed it, the bulk channel once it has written it to its socket. A blob several receivers
/// only read (one parameter version for every worker) gets one share per receiver with
/// <see cref="Share"/>; the last share given up returns the array to the pool. Nobody writes into a
/// blob they received. <see cref="Outstanding"/> counts the pooled blobs not yet given back by
/// every owner, so tests can check that a finished actor system leaves none behind.
/// </summary>
public sealed class TensorBlob : IDisposable
{
    private static long _outstanding;
    private byte[]? _array;
    private int _owners = 1;
    private readonly bool _counted;

    private TensorBlob(byte[] array, bool counted)
    {
        _array = array;
        _counted = counted;
        if (counted)
            Interlocked.Increment(ref _outstanding);
    }

    /// <summary>Pooled blobs of this process that some owner has not given back yet.</summary>
    public static long Outstanding => Interlocked.Read(ref _outstanding);

    /// <summary>A pooled blob of exactly <paramref name="length"/> bytes with unspecified contents.</summary>
    public static TensorBlob Rent(int length) => new(TensorPool.Rent(length), counted: true);

    /// <summary>A pooled copy of <paramref name="values"/> as raw little-endian bytes.</summary>
    public static TensorBlob CopyOf(ReadOnlySpan<float> values)
    {
        var blob = Rent(values.Length * sizeof(float));
        MemoryMarshal.AsBytes(values).CopyTo(blob.Bytes);
        return blob;
    }

    /// <summary>A pooled copy of <paramref name="bytes"/>.</summary>
    public static TensorBlob CopyOf(ReadOnlySpan<byte> bytes)
    {
        var blob = Rent(bytes.Length);
        bytes.CopyTo(blob.Bytes);
        return blob;
    }

    /// <summary>
    /// A blob over an array that no pool owns and nobody counts: for a message handed to Akka.Remote,
    /// which serializes it later on a thread of its own, so its bytes must never return to a pool.
    /// </summary>
    public static TensorBlob Detached(byte[] array) => new(array, counted: false);

    public int Length => Array.Length;

    /// <summary>The bytes; valid while the caller owns a share.</summary>
    public byte[] Array => _array ?? throw new ObjectDisposedException(nameof(TensorBlob), "Every owner has given this tensor blob back.");

    public Span<byte> Bytes => Array;

    public ReadOnlySpan<float> Floats => FloatBytes.View(Array);

    /// <summary>One more owner (a further receiver that only reads it); returns this blob.</summary>
    public TensorBlob Share()
    {
        if (Interlocked.Increment(ref _owners) <= 1)
            throw new InvalidOperationException("A tensor blob every owner has given back cannot get another owner.");
        return this;
    }

    /// <summary>Gives up this owner's share; the last one returns the array to the pool.</summary>
    /// <exception cref="InvalidOperationException">More shares were given up than there were owners.</exception>
    public void Dispose()
    {
        int left = Interlocked.Decrement(ref _owners);
        if (left > 0)
            return;
        if (left < 0)
            throw new InvalidOperationException($"A {_array?.Length ?? 0}-byte tensor blob was given back more often than it was owned.");
        var array = Interlocked.Exchange(ref _array, null);
        if (!_counted)
            return;
        TensorPool.Return(array);
        Interlocked.Decrement(ref _outstanding);
    }
}
