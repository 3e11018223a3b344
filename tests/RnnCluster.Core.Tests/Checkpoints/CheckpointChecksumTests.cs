using RnnCluster.Core.Checkpoints;

namespace RnnCluster.Core.Tests.Checkpoints;

/// <summary>The checkpoint checksum is standard XXH64 with seed 0, so any xxhash tool can verify a file.</summary>
public class CheckpointChecksumTests
{
    private static byte[] Pattern(int length)
    {
        var bytes = new byte[length];
        for (int i = 0; i < length; i++)
            bytes[i] = (byte)(i * 7 + 3);
        return bytes;
    }

    [Theory]
    // Values from the reference implementation (System.IO.Hashing.XxHash64 / xxhsum -H1).
    [InlineData(1, 0x1F25C8D0BC1F4BB6UL)]
    [InlineData(31, 0xA2AA5F33CC4A6119UL)]
    [InlineData(32, 0x23C3C17EF790FD97UL)]
    [InlineData(33, 0x50A7CFC7BA588784UL)]
    [InlineData(1000, 0x5F235FA033F1A3FBUL)]
    [InlineData(100003, 0x924A64F3AE9EA839UL)]
    public void Xxh64_matches_the_reference_implementation(int length, ulong expected)
    {
        byte[] data = Pattern(length);
        Assert.Equal(expected, XxHash64.Hash(data));

        // Appending in pieces of any size gives the same value (WriteTo hashes section by section).
        foreach (int piece in new[] { 1, 3, 8, 31, 32, 33, 4096 })
        {
            var hash = XxHash64.Create();
            for (int start = 0; start < length; start += piece)
                hash.Append(data.AsSpan(start, Math.Min(piece, length - start)));
            hash.Append(ReadOnlySpan<byte>.Empty);
            Assert.Equal(expected, hash.Finish());
        }
    }

    [Fact]
    public void Xxh64_published_vectors()
    {
        Assert.Equal(0xEF46DB3751D8E999UL, XxHash64.Hash(ReadOnlySpan<byte>.Empty));
        Assert.Equal(0x44BC2CF5AD770999UL, XxHash64.Hash("abc"u8));
        Assert.Equal(0xB716FA3AF1A251ACUL, XxHash64.Hash("RnnCluster"u8));
    }
}
