using MessagePack;
using RnnCluster.Training.Wire;

namespace RnnCluster.Training.ParameterServer;

/// <summary>
/// Coordinator → parameter server: start (or resume) a run and prepare the state of its next step,
/// held by <paramref name="Shards"/> shards (sync mode; the checkpoints are the same for any count).
/// </summary>
[MessagePackObject]
public sealed record BeginRun(
    [property: Key(0)] string RunId,
    [property: Key(1)] RunDefinition Definition,
    [property: Key(2)] bool Resume,
    [property: Key(3)] long TargetSteps,
    [property: Key(4)] CheckpointPolicy Checkpoints,
    [property: Key(5)] int Shards = 1) : IRunMessage;
