using MessagePack;
using RnnCluster.Training.Wire;

namespace RnnCluster.Training.ParameterServer;

/// <summary>Coordinator → parameter server: a validation result, kept in the run's history.</summary>
[MessagePackObject]
public sealed record RecordValidation([property: Key(0)] string RunId, [property: Key(1)] long Step, [property: Key(2)] double Loss) : IRunMessage;
