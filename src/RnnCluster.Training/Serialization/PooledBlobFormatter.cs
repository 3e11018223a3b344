using MessagePack;
using MessagePack.Formatters;
using RnnCluster.Training.Messages;

namespace RnnCluster.Training.Serialization;

/// <summary>
/// A tensor blob field: written as a MessagePack bin like any byte[], read into an array from the
/// <see cref="TensorPool"/>, so a node receiving megabytes of parameters or gradients every step
/// reuses the arrays its actors return instead of allocating on the large-object heap.
/// </summary>
public sealed class PooledBlobFormatter : IMessagePackFormatter<byte[]?>
{
    public void Serialize(ref MessagePackWriter writer, byte[]? value, MessagePackSerializerOptions options)
    {
        if (value is null)
            writer.WriteNil();
        else
            writer.Write(value.AsSpan());
    }

    public byte[]? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        var bytes = reader.ReadBytes();
        if (bytes is not { } sequence)
            return null;
        var array = TensorPool.Rent(checked((int)sequence.Length));
        System.Buffers.BuffersExtensions.CopyTo(sequence, array);
        return array;
    }
}
