using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace RnnCluster.Training.Worker;

/// <summary>SHA-256 of the token ids (train then validation): workers check the data they were sent against it.</summary>
public static class CorpusFingerprint
{
    public static string Of(ReadOnlySpan<int> train, ReadOnlySpan<int> validation)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> lengths = stackalloc byte[8];
        BitConverter.TryWriteBytes(lengths[..4], train.Length);
        BitConverter.TryWriteBytes(lengths[4..], validation.Length);
        sha.AppendData(lengths);
        sha.AppendData(MemoryMarshal.AsBytes(train));
        sha.AppendData(MemoryMarshal.AsBytes(validation));
        return Convert.ToHexString(sha.GetHashAndReset()).ToLowerInvariant();
    }
}
