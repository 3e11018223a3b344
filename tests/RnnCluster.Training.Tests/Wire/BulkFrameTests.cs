using System.Buffers.Binary;
using System.Runtime.Serialization;
using RnnCluster.Training.ParameterServer;
using RnnCluster.Training.Wire;

namespace RnnCluster.Training.Tests.Wire;

public sealed class BulkFrameTests
{
    private static readonly BulkHeader Header = new("akka://a/user/ps#1", "akka://b@h:1/user/w#2", 471_100, "GradientComputed.v1");

    private static MemoryStream Frames(params byte[][] payloads)
    {
        var stream = new MemoryStream();
        foreach (var payload in payloads)
        {
            stream.Write(BulkFrame.EncodePrefix(Header, payload.Length));
            stream.Write(payload);
        }
        stream.Position = 0;
        return stream;
    }

    [Fact]
    public void Frames_read_back_in_order_into_one_buffer_that_grows_only_when_needed()
    {
        var big = Enumerable.Range(0, 300_000).Select(i => (byte)(i * 7)).ToArray();
        var small = new byte[] { 1, 2, 3 };
        using var stream = Frames(big, small, []);
        byte[] buffer = [];

        var first = BulkFrame.ReadInto(stream, ref buffer)!.Value;
        Assert.Equal(Header, first.Header);
        Assert.Equal(big, buffer[..first.PayloadLength]);
        var grown = buffer;

        var second = BulkFrame.ReadInto(stream, ref buffer)!.Value;
        Assert.Same(grown, buffer);
        Assert.Equal(small, buffer[..second.PayloadLength]);

        Assert.Equal(0, BulkFrame.ReadInto(stream, ref buffer)!.Value.PayloadLength);
        Assert.Null(BulkFrame.ReadInto(stream, ref buffer)); // clean end of stream
    }

    [Fact]
    public void Garbage_and_truncated_frames_are_refused_with_a_reason()
    {
        byte[] buffer = [];
        using var garbage = new MemoryStream("GET / HTTP/1.1\r\n"u8.ToArray());
        Assert.Contains("bad magic", Assert.Throws<InvalidDataException>(() => BulkFrame.ReadInto(garbage, ref buffer)).Message);

        var frame = Frames(new byte[1000]).ToArray();
        using var truncated = new MemoryStream(frame[..^10]);
        Assert.Contains("closed inside a frame", Assert.Throws<EndOfStreamException>(() => BulkFrame.ReadInto(truncated, ref buffer)).Message);

        var negative = Frames(new byte[0]).ToArray();
        BinaryPrimitives.WriteInt32LittleEndian(negative.AsSpan(negative.Length - 4), -5);
        using var badLength = new MemoryStream(negative);
        Assert.Contains("out of range", Assert.Throws<InvalidDataException>(() => BulkFrame.ReadInto(badLength, ref buffer)).Message);
    }

    private static GradientComputed Gradient(int bytes)
    {
        var blob = new byte[bytes];
        new Random(bytes).NextBytes(blob);
        return new GradientComputed("run", 3, 0, 2, TensorBlob.CopyOf(blob), 1.5, 64, "w1", 3);
    }

    /// <summary>The frame a spliced send puts on the wire: prefix, the bytes before the blob, the blob, the rest.</summary>
    private static (MemoryStream Stream, byte[] Payload, int BlobOffset) SplicedFrame(GradientComputed message)
    {
        using var around = new PooledBuffer();
        int offset = TensorBlobFormatter.SerializeLeavingOut(around, message, message.Gradient);
        var written = around.WrittenMemory.ToArray();
        byte[] payload = [.. written[..offset], .. message.Gradient.Array, .. written[offset..]];
        var stream = new MemoryStream();
        stream.Write(BulkFrame.EncodePrefix(Header with { BlobOffset = offset, BlobLength = message.Gradient.Length }, payload.Length));
        stream.Write(payload);
        stream.Position = 0;
        return (stream, payload, offset);
    }

    [Fact]
    public void A_spliced_blob_travels_as_the_plain_serialization_and_is_read_into_its_own_array()
    {
        var message = Gradient(300_000);
        var (stream, payload, offset) = SplicedFrame(message);
        Assert.Equal(MessagePackMessageSerializer.Serialize(message), payload);

        byte[] buffer = [];
        var frame = BulkFrame.ReadInto(stream, ref buffer)!.Value;
        Assert.Equal(message.Gradient.Array, frame.Blob!.Array);
        Assert.Equal(payload.Length - message.Gradient.Length, frame.PayloadLength);
        Assert.True(buffer.Length < message.Gradient.Length); // the blob never went through the connection's buffer

        var back = (GradientComputed)TensorBlobFormatter.DeserializeWithBlob(buffer.AsMemory(0, frame.PayloadLength), offset, frame.Blob!, "GradientComputed.v1");
        Assert.Same(frame.Blob, back.Gradient);
        Assert.Equal(message with { Gradient = back.Gradient }, back);
        Assert.Null(BulkFrame.ReadInto(stream, ref buffer));
    }

    [Fact]
    public void A_blob_too_small_to_splice_is_serialized_inline()
    {
        var message = Gradient(1000);
        using var buffer = new PooledBuffer();
        Assert.Equal(-1, TensorBlobFormatter.SerializeLeavingOut(buffer, message, message.Gradient));
        Assert.Equal(MessagePackMessageSerializer.Serialize(message), buffer.WrittenMemory.ToArray());
    }

    [Fact]
    public void A_blob_that_is_not_the_message_field_is_not_left_out()
    {
        var message = Gradient(100_000);
        using var buffer = new PooledBuffer();
        Assert.Equal(-1, TensorBlobFormatter.SerializeLeavingOut(buffer, message, TensorBlob.CopyOf(new byte[100_000])));
        Assert.Equal(MessagePackMessageSerializer.Serialize(message), buffer.WrittenMemory.ToArray());
    }

    [Fact]
    public void A_spliced_frame_whose_blob_does_not_fit_its_payload_or_header_is_refused()
    {
        var message = Gradient(100_000);
        var (_, payload, offset) = SplicedFrame(message);
        byte[] buffer = [];

        using var outside = new MemoryStream();
        outside.Write(BulkFrame.EncodePrefix(Header with { BlobOffset = offset, BlobLength = payload.Length }, payload.Length));
        outside.Write(payload);
        outside.Position = 0;
        Assert.Contains("outside its", Assert.Throws<InvalidDataException>(() => BulkFrame.ReadInto(outside, ref buffer)).Message);

        // An offset that is not right after the blob's bin header: refused, never misread.
        var withoutBlob = payload[..offset].Concat(payload[(offset + message.Gradient.Length)..]).ToArray();
        var blob = TensorBlob.CopyOf(message.Gradient.Array);
        Assert.Throws<SerializationException>(() => TensorBlobFormatter.DeserializeWithBlob(withoutBlob, offset - 1, blob, "GradientComputed.v1"));
        Assert.Throws<SerializationException>(() => TensorBlobFormatter.DeserializeWithBlob(withoutBlob, offset, TensorBlob.CopyOf(new byte[99_999]), "GradientComputed.v1"));
    }

    [Fact]
    public void Pooled_buffer_grows_keeping_what_was_written()
    {
        using var buffer = new PooledBuffer(256);
        var expected = new List<byte>();
        for (int i = 0; i < 100; i++)
        {
            var span = buffer.GetSpan(1000);
            Assert.True(span.Length >= 1000);
            for (int j = 0; j < 1000; j++)
                span[j] = (byte)(i + j);
            expected.AddRange(span[..1000].ToArray());
            buffer.Advance(1000);
        }
        Assert.Equal(100_000, buffer.Length);
        Assert.Equal(expected, buffer.WrittenMemory.ToArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => buffer.Advance(buffer.Array.Length));
    }
}
