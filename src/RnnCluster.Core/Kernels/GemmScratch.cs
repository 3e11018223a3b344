using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace RnnCluster.Core.Kernels;

/// <summary>
/// Per-thread packing buffers, 64-byte aligned native memory, grown on demand and reused by every
/// later call on the same thread: no allocation per product, and concurrent callers on different
/// threads never share a buffer. Freed by the finalizer once the owning thread has ended.
/// </summary>
internal sealed unsafe class GemmScratch
{
    [ThreadStatic]
    private static GemmScratch? t_current;

    private float* _a;
    private long _aLength;
    private float* _b;
    private long _bLength;

    private GemmScratch()
    {
        Tile = Allocate(GemmLayout.MR * GemmLayout.TileStride);
    }

    ~GemmScratch()
    {
        NativeMemory.AlignedFree(_a);
        NativeMemory.AlignedFree(_b);
        NativeMemory.AlignedFree(Tile);
    }

    public static GemmScratch Current => t_current ??= new GemmScratch();

    /// <summary>An MR×(NR+16) tile (row stride TileStride) that stands in for C at the ragged edges.</summary>
    public float* Tile { get; }

    public float* A(long length) => Ensure(ref _a, ref _aLength, length);

    public float* B(long length) => Ensure(ref _b, ref _bLength, length);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float* Ensure(ref float* buffer, ref long capacity, long length)
    {
        if (length > capacity)
        {
            NativeMemory.AlignedFree(buffer);
            buffer = null;
            buffer = Allocate(length);
            capacity = length;
        }
        return buffer;
    }

    private static float* Allocate(long length) =>
        (float*)NativeMemory.AlignedAlloc((nuint)Math.Max(length, 1) * sizeof(float), Memory.AlignedBuffer.Alignment);
}
