using MessagePack;
using RnnCluster.Training.Wire;

namespace RnnCluster.Training.ParameterServer;

/// <summary>Coordinator → parameter server: which micro-batches of a step are still missing?</summary>
[MessagePackObject]
public sealed record QueryMissing([property: Key(0)] string RunId, [property: Key(1)] long Step) : IRunMessage;
