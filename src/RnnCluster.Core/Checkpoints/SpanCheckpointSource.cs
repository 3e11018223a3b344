using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace RnnCluster.Core.Checkpoints;

/// <summary>A checkpoint that is all in memory.</summary>
internal readonly ref struct SpanCheckpointSource(ReadOnlySpan<byte> bytes) : ICheckpointSource
{
    private readonly ReadOnlySpan<byte> _bytes = bytes;

    public ReadOnlySpan<byte> Start => _bytes;

    public ReadOnlySpan<byte> Head => _bytes;

    public void VerifyIntegrity(CheckpointPrefix prefix) => CheckpointDiagnosis.VerifyIntegrity(_bytes, prefix);

    public (float[] Parameters, float[] State) ReadArrays(CheckpointPrefix prefix, CheckpointHeader header)
    {
        int offset = (int)prefix.HeaderEnd;
        float[] parameters = ReadFloats(_bytes.Slice(offset, header.ParameterCount * sizeof(float)));
        offset += header.ParameterCount * sizeof(float);
        float[] state = ReadFloats(_bytes.Slice(offset, header.OptimizerStateCount * sizeof(float)));
        return (parameters, state);
    }

    private static float[] ReadFloats(ReadOnlySpan<byte> bytes)
    {
        float[] values = GC.AllocateUninitializedArray<float>(bytes.Length / sizeof(float));
        if (BitConverter.IsLittleEndian)
        {
            bytes.CopyTo(MemoryMarshal.AsBytes(values.AsSpan()));
        }
        else
        {
            for (int i = 0; i < values.Length; i++)
                values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes[(i * 4)..]);
        }
        return values;
    }
}
