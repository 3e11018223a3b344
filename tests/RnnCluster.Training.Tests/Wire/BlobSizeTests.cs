using RnnCluster.Training.Wire;
using RnnCluster.Training.Worker;

namespace RnnCluster.Training.Tests.Wire;

/// <summary>Float buffers travel as one MessagePack bin field: 4 bytes per value plus a few bytes of framing, never per element.</summary>
public sealed class BlobSizeTests(SerializationSystem akka) : IClassFixture<SerializationSystem>
{
    [Fact]
    public void Four_megabytes_of_parameters_serialize_to_four_megabytes()
    {
        const int values = 1 << 20; // 4 MiB of float32
        var parameters = new float[values];
        var random = new Random(7);
        for (int i = 0; i < values; i++)
            parameters[i] = (float)(random.NextDouble() * 2 - 1) * 0.08f;
        byte[] blob = FloatBytes.From(parameters);
        var message = new ParametersAvailable(MessageSamples.RunId, 1_000, TensorBlob.CopyOf(blob));

        var serializer = akka.Serialization.FindSerializerFor(message);
        byte[] bytes = serializer.ToBinary(message);

        // Overhead: array header (1), the run id as a str (≤ 2 + 45 bytes), the version (≤ 9), the bin32 header (5).
        Assert.Equal(4 * values, blob.Length);
        Assert.InRange(bytes.Length, blob.Length, blob.Length + 64);
        // The blob is stored verbatim at the end (key 2 is the last field), after a bin32 header.
        Assert.True(bytes.AsSpan(bytes.Length - blob.Length).SequenceEqual(blob), "the parameters are not stored as raw bytes");
        int header = bytes.Length - blob.Length - 5;
        Assert.Equal(0xc6, bytes[header]);
        Assert.Equal(blob.Length, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(header + 1, 4)));

        var copy = (ParametersAvailable)akka.Serialization.Deserialize(bytes, serializer.Identifier, "ParametersAvailable.v1");
        Assert.Equal(blob, copy.Parameters.Array);
    }
}
