using MessagePack;
using RnnCluster.Training.Wire;

namespace RnnCluster.Training.Worker;

/// <summary>Parameter server → worker (async): verdict on a gradient, with the current parameters to continue from.</summary>
[MessagePackObject]
public sealed record AsyncVerdict(
    [property: Key(0)] string RunId,
    [property: Key(1)] long Sequence,
    [property: Key(2)] bool Accepted,
    [property: Key(3)] long CurrentVersion,
    [property: Key(4)][property: MessagePackFormatter(typeof(TensorBlobFormatter))] TensorBlob Parameters) : IRunMessage, ITensorMessage
{
    [IgnoreMember]
    TensorBlob ITensorMessage.Blob => Parameters;

    ITensorMessage ITensorMessage.WithBlob(TensorBlob blob) => this with { Parameters = blob };
}
