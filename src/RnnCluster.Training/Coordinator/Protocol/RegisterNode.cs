using MessagePack;
using RnnCluster.Training.Wire;

namespace RnnCluster.Training.Coordinator;

/// <summary>Node agent → coordinator: this process takes part in the run; tell it when the run ends. Sent until acknowledged.</summary>
[MessagePackObject]
public sealed record RegisterNode([property: Key(0)] string NodeId, [property: Key(1)] int ProtocolVersion) : IRnnClusterMessage;
