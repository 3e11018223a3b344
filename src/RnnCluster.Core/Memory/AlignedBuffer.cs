using System.Runtime.InteropServices;

namespace RnnCluster.Core.Memory;

/// <summary>
/// A zero-initialised float buffer in 64-byte-aligned native memory. Kernels take raw pointers
/// into it: no bounds checks, no pinning, and a cache-line-aligned start for every tensor view.
/// </summary>
public sealed unsafe class AlignedBuffer : IDisposable
{
    public const int Alignment = 64;

    private float* _ptr;

    public AlignedBuffer(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        Length = length;
        // Never allocate zero bytes: a null pointer would be indistinguishable from "disposed".
        nuint bytes = (nuint)Math.Max(length, 1) * sizeof(float);
        _ptr = (float*)NativeMemory.AlignedAlloc(RoundUp(bytes), Alignment);
        NativeMemory.Clear(_ptr, bytes);
        if (length > 0)
            GC.AddMemoryPressure((long)bytes);
    }

    public int Length { get; }

    public float* Pointer
    {
        get
        {
            ObjectDisposedException.ThrowIf(_ptr == null, this);
            return _ptr;
        }
    }

    public Span<float> Span => new(Pointer, Length);

    public Span<float> Slice(int offset, int length) => Span.Slice(offset, length);

    public void Clear() => Span.Clear();

    public void CopyFrom(ReadOnlySpan<float> source)
    {
        if (source.Length != Length)
            throw new ArgumentException($"Expected {Length} values, got {source.Length}.", nameof(source));
        source.CopyTo(Span);
    }

    public float[] ToArray() => Span.ToArray();

    public void Dispose()
    {
        if (_ptr == null)
            return;
        NativeMemory.AlignedFree(_ptr);
        _ptr = null;
        if (Length > 0)
            GC.RemoveMemoryPressure((long)Length * sizeof(float));
        GC.SuppressFinalize(this);
    }

    ~AlignedBuffer()
    {
        if (_ptr != null)
            NativeMemory.AlignedFree(_ptr);
    }

    private static nuint RoundUp(nuint bytes) => (bytes + Alignment - 1) / Alignment * Alignment;
}
