using MessagePack;
using RnnCluster.Training.Wire;

namespace RnnCluster.Training.ParameterServer;

/// <summary>
/// Run → shard <paramref name="Index"/> of <paramref name="Count"/>: hold your range of this state
/// at <paramref name="Step"/>. <paramref name="State"/> is the whole parameter buffer followed by
/// the whole optimizer state (the shard keeps its range of each; once per begin, so simplicity wins).
/// </summary>
[MessagePackObject]
public sealed record StartShard(
    [property: Key(0)] string RunId,
    [property: Key(1)] int Index,
    [property: Key(2)] int Count,
    [property: Key(3)] RunDefinition Definition,
    [property: Key(4)] long Step,
    [property: Key(5)][property: MessagePackFormatter(typeof(TensorBlobFormatter))] TensorBlob State) : IRunMessage, ITensorMessage
{
    [IgnoreMember]
    TensorBlob ITensorMessage.Blob => State;

    ITensorMessage ITensorMessage.WithBlob(TensorBlob blob) => this with { State = blob };
}
