using MessagePack;

namespace RnnCluster.Training.ParameterServer;

/// <summary>Checkpoint every K steps (0 = only at the end and on request), keeping the newest N.</summary>
[MessagePackObject]
public sealed record CheckpointPolicy([property: Key(0)] int Every, [property: Key(1)] int Keep);
