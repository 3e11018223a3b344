using System.Runtime.InteropServices;
using MessagePack;
using RnnCluster.Core.Model;
using RnnCluster.Core.Optim;
using RnnCluster.Core.Text;

namespace RnnCluster.Training.Wire;

/// <summary>Token ids travel as raw little-endian int32 blobs.</summary>
public static class IntBytes
{
    public static byte[] From(ReadOnlySpan<int> values) => MemoryMarshal.AsBytes(values).ToArray();

    public static int[] ToArray(byte[] bytes)
    {
        if (bytes.Length % sizeof(int) != 0)
            throw new InvalidDataException($"A token buffer of {bytes.Length} bytes is not a whole number of int32 values.");
        return MemoryMarshal.Cast<byte, int>(bytes).ToArray();
    }
}
