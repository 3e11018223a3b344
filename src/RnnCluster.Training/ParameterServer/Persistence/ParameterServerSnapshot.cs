using MessagePack;
using RnnCluster.Training.Wire;

namespace RnnCluster.Training.ParameterServer;

/// <summary>
/// Snapshot payload: the versioned, checksummed checkpoint (RnnCluster.Core format) and the loss
/// history so far. Stored as MessagePack bin fields: raw bytes, no JSON, no per-element arrays.
/// </summary>
[MessagePackObject]
public sealed record ParameterServerSnapshot(
    [property: Key(0)] byte[] Checkpoint,
    [property: Key(1)] TrainingHistory History) : IRnnClusterMessage;
