using MessagePack;
using RnnCluster.Training.Wire;

namespace RnnCluster.Training.Worker;

/// <summary>Parameter server → worker: the parameters of a version (raw little-endian float32).</summary>
[MessagePackObject]
public sealed record ParametersAvailable(
    [property: Key(0)] string RunId,
    [property: Key(1)] long Version,
    [property: Key(2)][property: MessagePackFormatter(typeof(TensorBlobFormatter))] TensorBlob Parameters) : IRunMessage, ITensorMessage
{
    [IgnoreMember]
    TensorBlob ITensorMessage.Blob => Parameters;

    ITensorMessage ITensorMessage.WithBlob(TensorBlob blob) => this with { Parameters = blob };
}
