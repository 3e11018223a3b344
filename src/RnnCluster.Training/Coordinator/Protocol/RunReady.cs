using MessagePack;
using RnnCluster.Training.Wire;

namespace RnnCluster.Training.Coordinator;

/// <summary>Parameter server → coordinator: the run's state is ready at <paramref name="Step"/>.</summary>
[MessagePackObject]
public sealed record RunReady(
    [property: Key(0)] string RunId,
    [property: Key(1)] long Step,
    [property: Key(2)] bool Resumed,
    [property: Key(3)] string Note) : IRunMessage;
