using MessagePack;
using RnnCluster.Training.Wire;

namespace RnnCluster.Training.ParameterServer;

/// <summary>Journal event: the run was created with this definition.</summary>
[MessagePackObject]
public sealed record RunCreated(
    [property: Key(0)] string RunId,
    [property: Key(1)] RunDefinition Definition,
    [property: Key(2)] long CreatedAtUnixMs) : IRunMessage;
