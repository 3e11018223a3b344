using MessagePack;
using RnnCluster.Training.Wire;

namespace RnnCluster.Training.Coordinator;

/// <summary>Worker → coordinator: I can compute gradients. Sent until welcomed.</summary>
[MessagePackObject]
public sealed record RegisterWorker(
    [property: Key(0)] string WorkerId,
    [property: Key(1)] int ProtocolVersion) : IRnnClusterMessage;
