using MessagePack;
using RnnCluster.Training.Wire;

namespace RnnCluster.Training.ParameterServer;

/// <summary>
/// Journal event: the run was created with this definition and checkpoint policy. The policy is
/// what a resume keeps unless told otherwise; runs recorded before it was stored, and imported
/// runs, have none.
/// </summary>
[MessagePackObject]
public sealed record RunCreated(
    [property: Key(0)] string RunId,
    [property: Key(1)] RunDefinition Definition,
    [property: Key(2)] long CreatedAtUnixMs,
    [property: Key(3)] CheckpointPolicy? Checkpoints = null) : IRunMessage;
