using MessagePack;
using RnnCluster.Training.Wire;

namespace RnnCluster.Training.Coordinator;

[MessagePackObject]
public sealed record EvaluationResult(
    [property: Key(0)] string RunId,
    [property: Key(1)] long Version,
    [property: Key(2)] double Loss,
    [property: Key(3)] string WorkerId) : IRunMessage;
