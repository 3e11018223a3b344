using MessagePack;
using RnnCluster.Training.Wire;

namespace RnnCluster.Training.ParameterServer;

/// <summary>
/// Shard → run: shard <paramref name="Index"/>'s range at version <paramref name="Step"/>: its
/// parameters, then its slice of every optimizer-state section.
/// </summary>
[MessagePackObject]
public sealed record ShardCollected(
    [property: Key(0)] string RunId,
    [property: Key(1)] long Step,
    [property: Key(2)] int Index,
    [property: Key(3)][property: MessagePackFormatter(typeof(TensorBlobFormatter))] TensorBlob State) : IRunMessage, ITensorMessage
{
    [IgnoreMember]
    TensorBlob ITensorMessage.Blob => State;

    ITensorMessage ITensorMessage.WithBlob(TensorBlob blob) => this with { State = blob };
}
