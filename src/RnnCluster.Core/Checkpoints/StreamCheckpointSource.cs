using System.Buffers.Binary;
using System.Runtime.InteropServices;
using static RnnCluster.Core.Checkpoints.CheckpointFormat;

namespace RnnCluster.Core.Checkpoints;

/// <summary>
/// A checkpoint read from a stream. A seekable stream whose length matches its prefix is read
/// straight into the float arrays, each chunk hashed as it arrives, so that a large checkpoint is
/// never held twice. Any other stream is read whole and checked as an array: telling truncation,
/// trailing bytes and a damaged length field apart needs every byte.
/// </summary>
internal sealed class StreamCheckpointSource : ICheckpointSource
{
    private readonly Stream _stream;
    private readonly long _origin;
    private readonly long? _available;
    private readonly int _startLength;
    private byte[] _head = new byte[PrefixSize];
    private ReadOnlyMemory<byte>? _whole;
    private float[] _parameters = [];
    private float[] _state = [];

    public StreamCheckpointSource(Stream stream)
    {
        _stream = stream;
        if (stream.CanSeek)
        {
            _origin = stream.Position;
            _available = stream.Length - _origin;
        }
        _startLength = stream.ReadAtLeast(_head, PrefixSize, throwOnEndOfStream: false);
    }

    public ReadOnlySpan<byte> Start => _head.AsSpan(0, _startLength);

    public ReadOnlySpan<byte> Head => _whole is { } whole ? whole.Span : _head;

    public void VerifyIntegrity(CheckpointPrefix prefix)
    {
        if (TryReadDirect(prefix))
            return;
        _whole = ReadWhole();
        Whole.VerifyIntegrity(prefix);
    }

    public (float[] Parameters, float[] State) ReadArrays(CheckpointPrefix prefix, CheckpointHeader header) =>
        _whole is null ? (_parameters, _state) : Whole.ReadArrays(prefix, header);

    private SpanCheckpointSource Whole => new(_whole!.Value.Span);

    /// <summary>
    /// False, with nothing thrown, when the stream does not look intact: the arrays cannot be
    /// sized from it, and the error is for <see cref="CheckpointDiagnosis"/> to find in the whole.
    /// </summary>
    private bool TryReadDirect(CheckpointPrefix prefix)
    {
        if (_available is not long available || prefix.TotalLength != (ulong)available
            || prefix.HeaderLength < SizesSize || prefix.HeaderLength > MaxHeaderLength
            || prefix.HeaderEnd + ChecksumSize > available)
            return false;

        byte[] head = new byte[prefix.HeaderEnd];
        _head.CopyTo(head, 0);
        if (_stream.ReadAtLeast(head.AsSpan(PrefixSize), (int)prefix.HeaderLength, throwOnEndOfStream: false) < prefix.HeaderLength)
            return false;
        // The array sizes are the header's last field.
        int parameterCount = BinaryPrimitives.ReadInt32LittleEndian(head.AsSpan(head.Length - SizesSize));
        int stateCount = BinaryPrimitives.ReadInt32LittleEndian(head.AsSpan(head.Length - SizesSize + 4));
        if (parameterCount < 0 || stateCount < 0 || prefix.ExpectedLength(parameterCount, stateCount) != prefix.TotalLength)
            return false;

        var hash = XxHash64.Create();
        hash.Append(head);
        float[] parameters = GC.AllocateUninitializedArray<float>(parameterCount);
        float[] state = GC.AllocateUninitializedArray<float>(stateCount);
        Span<byte> stored = stackalloc byte[ChecksumSize];
        if (!ReadFloats(parameters, ref hash) || !ReadFloats(state, ref hash)
            || _stream.ReadAtLeast(stored, ChecksumSize, throwOnEndOfStream: false) < ChecksumSize)
            return false;
        CheckpointDiagnosis.VerifyChecksum(BinaryPrimitives.ReadUInt64LittleEndian(stored), hash.Finish());
        (_head, _parameters, _state) = (head, parameters, state);
        return true;
    }

    /// <summary>Fills <paramref name="values"/> from little-endian bytes, hashing each chunk as it arrives; false when the stream ends early.</summary>
    private bool ReadFloats(float[] values, ref XxHash64 hash)
    {
        var bytes = MemoryMarshal.AsBytes(values.AsSpan());
        for (int start = 0; start < bytes.Length; start += ChunkFloats * sizeof(float))
        {
            var chunk = bytes.Slice(start, Math.Min(ChunkFloats * sizeof(float), bytes.Length - start));
            if (_stream.ReadAtLeast(chunk, chunk.Length, throwOnEndOfStream: false) < chunk.Length)
                return false;
            hash.Append(chunk);
        }
        if (!BitConverter.IsLittleEndian)
        {
            var words = MemoryMarshal.Cast<float, int>(values.AsSpan());
            BinaryPrimitives.ReverseEndianness(words, words);
        }
        return true;
    }

    /// <summary>The stream from where this checkpoint starts to its end, including the prefix already read.</summary>
    private ReadOnlyMemory<byte> ReadWhole()
    {
        if (_available is long remaining)
        {
            _stream.Position = _origin;
            if (remaining > Array.MaxLength)
                throw new CheckpointException(CheckpointErrorKind.Invalid, $"{remaining} bytes are more than one checkpoint array can hold");
            byte[] bytes = GC.AllocateUninitializedArray<byte>((int)remaining);
            int read = _stream.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false);
            return bytes.AsMemory(0, read);
        }
        using var buffer = new MemoryStream();
        buffer.Write(Start);
        _stream.CopyTo(buffer);
        return buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
    }
}
