using MessagePack;
using RnnCluster.Training.Wire;

namespace RnnCluster.Training.ParameterServer;

/// <summary>
/// Worker → parameter server: the summed gradient of the aligned sub-tree [Lo, Hi) of step
/// <paramref name="Step"/>, computed at <paramref name="ParameterVersion"/> — whole, or (synchronous
/// mode) one part of it: parameters [<paramref name="Offset"/>, Offset + Gradient.Length / 4),
/// whole parts of <c>GradientParts.For</c> the model. The loss travels with the part at offset 0.
/// </summary>
[MessagePackObject]
public sealed record GradientComputed(
    [property: Key(0)] string RunId,
    [property: Key(1)] long Step,
    [property: Key(2)] int Lo,
    [property: Key(3)] int Hi,
    [property: Key(4)][property: MessagePackFormatter(typeof(TensorBlobFormatter))] TensorBlob Gradient,
    [property: Key(5)] double LossSum,
    [property: Key(6)] int Tokens,
    [property: Key(7)] string WorkerId,
    [property: Key(8)] long ParameterVersion,
    [property: Key(9)] int Offset = 0) : IRunMessage, ITensorMessage
{
    [IgnoreMember]
    TensorBlob ITensorMessage.Blob => Gradient;

    ITensorMessage ITensorMessage.WithBlob(TensorBlob blob) => this with { Gradient = blob };
}
