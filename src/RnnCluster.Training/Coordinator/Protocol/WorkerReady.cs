using MessagePack;
using RnnCluster.Training.Wire;

namespace RnnCluster.Training.Coordinator;

/// <summary>Worker → coordinator: the welcome's data checked out; ready for work.</summary>
[MessagePackObject]
public sealed record WorkerReady([property: Key(0)] string RunId, [property: Key(1)] string WorkerId) : IRunMessage;
