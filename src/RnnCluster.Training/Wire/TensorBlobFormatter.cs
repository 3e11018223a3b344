using MessagePack;
using MessagePack.Formatters;

namespace RnnCluster.Training.Wire;

/// <summary>
/// A <see cref="TensorBlob"/> field: written as a MessagePack bin like any byte[], read into a
/// pooled blob, so a node receiving megabytes of parameters or gradients every step reuses the
/// arrays its actors give back instead of allocating on the large-object heap.
/// </summary>
/// <remarks>
/// The bulk channel splices the blob instead of copying it (<see cref="SerializeLeavingOut"/>,
/// <see cref="DeserializeWithBlob"/>): the sender writes the message's bytes around the blob and
/// the blob itself straight to the socket, the receiver reads the blob straight from the socket
/// into a pooled array. The bytes on the wire are the ordinary serialization either way.
/// </remarks>
public sealed class TensorBlobFormatter : IMessagePackFormatter<TensorBlob?>
{
    /// <summary>A bin32 header: marker byte and big-endian length.</summary>
    public const int Bin32HeaderBytes = 5;
    private const byte Bin32 = 0xc6;

    /// <summary>Blobs this big are always written with a bin32 header, which splicing relies on.</summary>
    public const int MinSplicedBytes = ushort.MaxValue + 1;

    [ThreadStatic] private static LeftOut? _leavingOut;
    [ThreadStatic] private static Supplied? _supplied;

    private sealed class LeftOut(TensorBlob blob, PooledBuffer buffer)
    {
        public readonly TensorBlob Blob = blob;
        public readonly PooledBuffer Buffer = buffer;
        public int Offset = -1;
    }

    private sealed class Supplied(TensorBlob blob, int headerAt)
    {
        public readonly TensorBlob Blob = blob;
        public readonly int HeaderAt = headerAt;
        public bool Taken;
    }

    public void Serialize(ref MessagePackWriter writer, TensorBlob? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }
        if (_leavingOut is { Offset: < 0 } leaving && ReferenceEquals(value, leaving.Blob))
        {
            writer.WriteBinHeader(value.Length);
            writer.Flush(); // so the buffer's length is where the blob's bytes belong
            leaving.Offset = leaving.Buffer.Length;
            return;
        }
        writer.Write(value.Array.AsSpan());
    }

    public TensorBlob? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (_supplied is { Taken: false } supplied && reader.Consumed == supplied.HeaderAt)
        {
            var empty = reader.ReadBytes();
            if (empty is not { Length: 0 })
                throw new MessagePackSerializationException("The spliced tensor blob's header was not cleared.");
            supplied.Taken = true;
            return supplied.Blob;
        }
        var bytes = reader.ReadBytes();
        if (bytes is not { } sequence)
            return null;
        var blob = TensorBlob.Rent(checked((int)sequence.Length));
        System.Buffers.BuffersExtensions.CopyTo(sequence, blob.Bytes);
        return blob;
    }

    /// <summary>
    /// Serializes <paramref name="message"/> into <paramref name="buffer"/> without the bytes of
    /// <paramref name="blob"/> (one of its fields): only the blob's bin header is written.
    /// </summary>
    /// <returns>Where in <paramref name="buffer"/> the blob's bytes belong, or -1 when the message
    /// does not hold that blob in a pooled-blob field or the blob is too small (then the buffer
    /// holds the whole message).</returns>
    public static int SerializeLeavingOut(PooledBuffer buffer, IRnnClusterMessage message, TensorBlob blob)
    {
        if (blob.Length < MinSplicedBytes)
        {
            MessagePackMessageSerializer.SerializeTo(buffer, message);
            return -1;
        }
        var leaving = new LeftOut(blob, buffer);
        _leavingOut = leaving;
        try
        {
            MessagePackMessageSerializer.SerializeTo(buffer, message);
        }
        finally
        {
            _leavingOut = null;
        }
        return leaving.Offset;
    }

    /// <summary>
    /// Reads back a message whose blob arrived separately: <paramref name="withoutBlob"/> is the
    /// message's bytes with the blob cut out, its bin header ending at <paramref name="blobOffset"/>.
    /// The header is rewritten to an empty bin and the field receives <paramref name="blob"/>.
    /// </summary>
    /// <exception cref="System.Runtime.Serialization.SerializationException">The bytes do not hold a bin32 header of the blob's length there, or the message has no pooled-blob field at that place.</exception>
    public static object DeserializeWithBlob(Memory<byte> withoutBlob, int blobOffset, TensorBlob blob, string manifest)
    {
        int headerAt = blobOffset - Bin32HeaderBytes;
        var header = headerAt >= 0 && blobOffset <= withoutBlob.Length ? withoutBlob.Span.Slice(headerAt, Bin32HeaderBytes) : default;
        if (header.IsEmpty || header[0] != Bin32 || System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(header[1..]) != (uint)blob.Length)
            throw new System.Runtime.Serialization.SerializationException($"Malformed '{manifest}' message: no {blob.Length}-byte bin header before offset {blobOffset}.");
        header[1..].Clear();
        var supplied = new Supplied(blob, headerAt);
        _supplied = supplied;
        object message;
        try
        {
            message = MessagePackMessageSerializer.Deserialize(withoutBlob, manifest);
        }
        finally
        {
            _supplied = null;
        }
        return supplied.Taken
            ? message
            : throw new System.Runtime.Serialization.SerializationException($"Malformed '{manifest}' message: no tensor field at offset {headerAt} for the spliced blob.");
    }
}
