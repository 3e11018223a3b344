using MessagePack;
using RnnCluster.Training.Wire;

namespace RnnCluster.Training.Coordinator;

[MessagePackObject]
public sealed record MissingMicroBatches([property: Key(0)] string RunId, [property: Key(1)] long Step, [property: Key(2)] int[] MicroBatches) : IRunMessage;
