using MessagePack;
using RnnCluster.Training.Wire;

namespace RnnCluster.Training.Worker;

/// <summary>Coordinator → worker: the run, and the data it trains on (token ids as raw int32 blobs).</summary>
[MessagePackObject]
public sealed record WorkerWelcome(
    [property: Key(0)] string RunId,
    [property: Key(1)] RunDefinition Definition,
    [property: Key(2)] byte[] TrainTokens,
    [property: Key(3)] byte[] ValidationTokens) : IRunMessage
{
    [IgnoreMember]
    public TrainingMode Mode => Definition.Mode;
}
