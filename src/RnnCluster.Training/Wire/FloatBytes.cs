using System.Runtime.InteropServices;
using MessagePack;
using RnnCluster.Core.Model;
using RnnCluster.Core.Optim;
using RnnCluster.Core.Text;

namespace RnnCluster.Training.Wire;

/// <summary>Float buffers travel as raw little-endian bytes: 4 bytes per value, one block copy each way.</summary>
public static class FloatBytes
{
    public static byte[] From(ReadOnlySpan<float> values)
    {
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("RnnCluster's wire format assumes a little-endian host.");
        return MemoryMarshal.AsBytes(values).ToArray();
    }

    public static ReadOnlySpan<float> View(byte[] bytes)
    {
        if (bytes.Length % sizeof(float) != 0)
            throw new InvalidDataException($"A float buffer of {bytes.Length} bytes is not a whole number of floats.");
        return MemoryMarshal.Cast<byte, float>(bytes);
    }

    public static float[] ToArray(byte[] bytes) => View(bytes).ToArray();
}
