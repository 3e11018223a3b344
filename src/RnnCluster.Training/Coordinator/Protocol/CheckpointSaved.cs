using MessagePack;
using RnnCluster.Training.Wire;

namespace RnnCluster.Training.Coordinator;

/// <summary>Parameter server → coordinator: a checkpoint of <paramref name="Step"/> is confirmed stored.</summary>
[MessagePackObject]
public sealed record CheckpointSaved([property: Key(0)] string RunId, [property: Key(1)] long Step, [property: Key(2)] double SaveMs) : IRunMessage;
