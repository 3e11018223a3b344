using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace RnnCluster.Core.Checkpoints;

/// <summary>
/// XXH64 (seed 0), the checkpoint checksum: bit-identical to the reference implementation
/// (xxhsum -H1, Python's xxhash.xxh64, System.IO.Hashing.XxHash64), which is not a dependency of
/// this project. Several GB/s on any 64-bit CPU, where SHA-256 without SHA extensions would
/// spend ~100 ms on a 40 MB checkpoint. It detects corruption, not tampering.
/// </summary>
internal struct XxHash64
{
    private const ulong Prime1 = 0x9E3779B185EBCA87UL;
    private const ulong Prime2 = 0xC2B2AE3D27D4EB4FUL;
    private const ulong Prime3 = 0x165667B19E3779F9UL;
    private const ulong Prime4 = 0x85EBCA77C2B2AE63UL;
    private const ulong Prime5 = 0x27D4EB2F165667C5UL;
    private const int StripeSize = 32;

    private ulong _v1, _v2, _v3, _v4;
    private ulong _length;
    private Stripe _pending;
    private int _pendingCount;

    [InlineArray(StripeSize)]
    private struct Stripe
    {
        private byte _first;
    }

    public static XxHash64 Create() => new()
    {
        _v1 = unchecked(Prime1 + Prime2),
        _v2 = Prime2,
        _v3 = 0,
        _v4 = unchecked(0UL - Prime1),
    };

    public static ulong Hash(ReadOnlySpan<byte> data)
    {
        var hash = Create();
        hash.Append(data);
        return hash.Finish();
    }

    public void Append(ReadOnlySpan<byte> data)
    {
        _length += (ulong)data.Length;
        if (_pendingCount > 0)
        {
            int take = Math.Min(StripeSize - _pendingCount, data.Length);
            data[..take].CopyTo(((Span<byte>)_pending)[_pendingCount..]);
            _pendingCount += take;
            data = data[take..];
            if (_pendingCount < StripeSize)
                return;
            ConsumeStripes(_pending);
            _pendingCount = 0;
        }
        int whole = data.Length & ~(StripeSize - 1);
        if (whole > 0)
            ConsumeStripes(data[..whole]);
        data[whole..].CopyTo(_pending);
        _pendingCount = data.Length - whole;
    }

    public readonly ulong Finish()
    {
        ulong h = _length >= StripeSize
            ? MergeRound(MergeRound(MergeRound(MergeRound(
                BitOperations.RotateLeft(_v1, 1) + BitOperations.RotateLeft(_v2, 7) + BitOperations.RotateLeft(_v3, 12) + BitOperations.RotateLeft(_v4, 18),
                _v1), _v2), _v3), _v4)
            : Prime5;
        h += _length;

        ReadOnlySpan<byte> tail = ((ReadOnlySpan<byte>)_pending)[.._pendingCount];
        while (tail.Length >= 8)
        {
            h ^= Round(0, BinaryPrimitives.ReadUInt64LittleEndian(tail));
            h = BitOperations.RotateLeft(h, 27) * Prime1 + Prime4;
            tail = tail[8..];
        }
        if (tail.Length >= 4)
        {
            h ^= BinaryPrimitives.ReadUInt32LittleEndian(tail) * Prime1;
            h = BitOperations.RotateLeft(h, 23) * Prime2 + Prime3;
            tail = tail[4..];
        }
        foreach (byte b in tail)
        {
            h ^= b * Prime5;
            h = BitOperations.RotateLeft(h, 11) * Prime1;
        }

        h ^= h >> 33;
        h *= Prime2;
        h ^= h >> 29;
        h *= Prime3;
        h ^= h >> 32;
        return h;
    }

    /// <param name="data">A multiple of 32 bytes.</param>
    private void ConsumeStripes(ReadOnlySpan<byte> data)
    {
        ulong v1 = _v1, v2 = _v2, v3 = _v3, v4 = _v4;
        ref byte start = ref MemoryMarshal.GetReference(data);
        for (nuint i = 0, n = (nuint)data.Length; i < n; i += StripeSize)
        {
            v1 = Round(v1, Read(ref start, i));
            v2 = Round(v2, Read(ref start, i + 8));
            v3 = Round(v3, Read(ref start, i + 16));
            v4 = Round(v4, Read(ref start, i + 24));
        }
        _v1 = v1;
        _v2 = v2;
        _v3 = v3;
        _v4 = v4;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Read(ref byte start, nuint offset)
    {
        ulong value = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, offset));
        return BitConverter.IsLittleEndian ? value : BinaryPrimitives.ReverseEndianness(value);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Round(ulong accumulator, ulong input) =>
        BitOperations.RotateLeft(accumulator + input * Prime2, 31) * Prime1;

    private static ulong MergeRound(ulong accumulator, ulong value) =>
        (accumulator ^ Round(0, value)) * Prime1 + Prime4;
}
