using MessagePack;
using RnnCluster.Training.Wire;

namespace RnnCluster.Training.ParameterServer;

/// <summary>Journal event: a checkpoint of <paramref name="Step"/> is stored as the snapshot at this event's sequence number.</summary>
[MessagePackObject]
public sealed record CheckpointRecorded(
    [property: Key(0)] string RunId,
    [property: Key(1)] long Step,
    [property: Key(2)] long CreatedAtUnixMs) : IRunMessage;
