using System.Buffers.Binary;
using MessagePack;

namespace RnnCluster.Training.Wire;

public static class BulkFrame
{
    public const uint Magic = 0x31424E52; // "RNB1" little-endian
    public const int MaxHeaderBytes = 64 * 1024;
    public const int MaxPayloadBytes = int.MaxValue - 64;

    public static byte[] EncodePrefix(BulkHeader header, int payloadLength)
    {
        var headerBytes = MessagePackSerializer.Serialize(header);
        var prefix = new byte[12 + headerBytes.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(prefix, Magic);
        BinaryPrimitives.WriteInt32LittleEndian(prefix.AsSpan(4), headerBytes.Length);
        headerBytes.CopyTo(prefix, 8);
        BinaryPrimitives.WriteInt32LittleEndian(prefix.AsSpan(8 + headerBytes.Length), payloadLength);
        return prefix;
    }

    /// <summary>
    /// Reads one frame, its payload into <paramref name="buffer"/> (replaced by a bigger array when
    /// too small, so a connection reuses one buffer for all its frames) except a blob the header
    /// names, which is read into an array from the <see cref="TensorBlob"/>; null at a
    /// clean end of stream. Throws <see cref="InvalidDataException"/> on garbage.
    /// </summary>
    public static ReadFrame? ReadInto(Stream stream, ref byte[] buffer)
    {
        Span<byte> word = stackalloc byte[4];
        if (!ReadExactly(stream, word, allowEnd: true))
            return null;
        if (BinaryPrimitives.ReadUInt32LittleEndian(word) != Magic)
            throw new InvalidDataException("Not an RnnCluster bulk frame (bad magic); closing the connection.");
        ReadExactly(stream, word, allowEnd: false);
        int headerLength = BinaryPrimitives.ReadInt32LittleEndian(word);
        if (headerLength <= 0 || headerLength > MaxHeaderBytes)
            throw new InvalidDataException($"Bulk frame header of {headerLength} bytes is out of range.");
        var headerBytes = new byte[headerLength];
        ReadExactly(stream, headerBytes, allowEnd: false);
        var header = MessagePackSerializer.Deserialize<BulkHeader>(headerBytes, MessagePackSerializerOptions.Standard.WithSecurity(MessagePackSecurity.UntrustedData));
        ReadExactly(stream, word, allowEnd: false);
        int payloadLength = BinaryPrimitives.ReadInt32LittleEndian(word);
        if (payloadLength < 0 || payloadLength > MaxPayloadBytes)
            throw new InvalidDataException($"Bulk frame payload of {payloadLength} bytes is out of range.");
        if (header.BlobLength == 0)
        {
            EnsureCapacity(ref buffer, payloadLength);
            ReadExactly(stream, buffer.AsSpan(0, payloadLength), allowEnd: false);
            return new ReadFrame(header, payloadLength, null);
        }
        if (header.BlobLength < 0 || header.BlobOffset < 0 || (long)header.BlobOffset + header.BlobLength > payloadLength)
            throw new InvalidDataException($"Bulk frame blob [{header.BlobOffset}, +{header.BlobLength}) lies outside its {payloadLength}-byte payload.");
        int rest = payloadLength - header.BlobLength;
        EnsureCapacity(ref buffer, rest);
        ReadExactly(stream, buffer.AsSpan(0, header.BlobOffset), allowEnd: false);
        var blob = TensorBlob.Rent(header.BlobLength);
        try
        {
            ReadExactly(stream, blob.Bytes, allowEnd: false);
            ReadExactly(stream, buffer.AsSpan(header.BlobOffset, rest - header.BlobOffset), allowEnd: false);
        }
        catch
        {
            blob.Dispose();
            throw;
        }
        return new ReadFrame(header, rest, blob);
    }

    private static void EnsureCapacity(ref byte[] buffer, int length)
    {
        if (buffer.Length < length)
            buffer = GC.AllocateUninitializedArray<byte>(length);
    }

    private static bool ReadExactly(Stream stream, Span<byte> buffer, bool allowEnd)
    {
        int read = 0;
        while (read < buffer.Length)
        {
            int n = stream.Read(buffer[read..]);
            if (n == 0)
            {
                if (allowEnd && read == 0)
                    return false;
                throw new EndOfStreamException($"Bulk connection closed inside a frame ({read} of {buffer.Length} bytes).");
            }
            read += n;
        }
        return true;
    }
}
