using MessagePack;
using RnnCluster.Training.Wire;

namespace RnnCluster.Training.Worker;

/// <summary>Coordinator → worker: compute the validation loss at this parameter version.</summary>
[MessagePackObject]
public sealed record EvaluateRequest([property: Key(0)] string RunId, [property: Key(1)] long Version) : IRunMessage;
