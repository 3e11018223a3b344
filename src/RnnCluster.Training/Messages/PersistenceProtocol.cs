using MessagePack;

namespace RnnCluster.Training.Messages;

// What the parameter server writes to the journal and the snapshot store.

/// <summary>Journal event: the run was created with this definition.</summary>
[MessagePackObject]
public sealed record RunCreated(
    [property: Key(0)] string RunId,
    [property: Key(1)] RunDefinition Definition,
    [property: Key(2)] long CreatedAtUnixMs) : IRunMessage;

/// <summary>Journal event: a checkpoint of <paramref name="Step"/> is stored as the snapshot at this event's sequence number.</summary>
[MessagePackObject]
public sealed record CheckpointRecorded(
    [property: Key(0)] string RunId,
    [property: Key(1)] long Step,
    [property: Key(2)] long CreatedAtUnixMs) : IRunMessage;

/// <summary>
/// Snapshot payload: the versioned, checksummed checkpoint (RnnCluster.Core format) and the loss
/// history so far. Stored as MessagePack bin fields: raw bytes, no JSON, no per-element arrays.
/// </summary>
[MessagePackObject]
public sealed record ParameterServerSnapshot(
    [property: Key(0)] byte[] Checkpoint,
    [property: Key(1)] TrainingHistory History) : IRnnClusterMessage;

/// <summary>Training loss of every applied step and the validation results, for curves and summaries.</summary>
[MessagePackObject]
public sealed record TrainingHistory(
    [property: Key(0)] long FirstStep,
    [property: Key(1)] byte[] TrainLosses,
    [property: Key(2)] long[] ValidationSteps,
    [property: Key(3)] double[] ValidationLosses)
{
    public static readonly TrainingHistory Empty = new(0, [], [], []);
}
