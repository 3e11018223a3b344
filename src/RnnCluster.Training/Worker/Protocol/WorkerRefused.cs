using MessagePack;
using RnnCluster.Training.Wire;

namespace RnnCluster.Training.Worker;

/// <summary>Coordinator → worker: not taken (other protocol version, another run…).</summary>
[MessagePackObject]
public sealed record WorkerRefused([property: Key(0)] string RunId, [property: Key(1)] string Reason) : IRunMessage;
