using MessagePack;
using RnnCluster.Training.Wire;

namespace RnnCluster.Training.Worker;

/// <summary>
/// Parameter-server shard <paramref name="Index"/> of <paramref name="Count"/> → worker: its range
/// [<paramref name="Offset"/>, Offset + Values.Length / 4) of version <paramref name="Version"/>'s
/// parameters (raw little-endian float32). The worker sends this shard its slice of every gradient.
/// </summary>
[MessagePackObject]
public sealed record ParameterSlice(
    [property: Key(0)] string RunId,
    [property: Key(1)] long Version,
    [property: Key(2)] int Index,
    [property: Key(3)] int Count,
    [property: Key(4)] int Offset,
    [property: Key(5)] int TotalLength,
    [property: Key(6)][property: MessagePackFormatter(typeof(TensorBlobFormatter))] TensorBlob Values) : IRunMessage, ITensorMessage
{
    [IgnoreMember]
    TensorBlob ITensorMessage.Blob => Values;

    ITensorMessage ITensorMessage.WithBlob(TensorBlob blob) => this with { Values = blob };
}
