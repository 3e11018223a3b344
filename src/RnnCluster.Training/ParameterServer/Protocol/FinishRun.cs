using MessagePack;
using RnnCluster.Training.Wire;

namespace RnnCluster.Training.ParameterServer;

/// <summary>Coordinator → parameter server: the run is over; save the final checkpoint.</summary>
[MessagePackObject]
public sealed record FinishRun([property: Key(0)] string RunId) : IRunMessage;
