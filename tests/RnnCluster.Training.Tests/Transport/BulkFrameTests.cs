using System.Buffers.Binary;
using RnnCluster.Training.Transport;

namespace RnnCluster.Training.Tests.Transport;

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
