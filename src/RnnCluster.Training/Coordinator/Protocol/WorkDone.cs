using MessagePack;
using RnnCluster.Training.Wire;

namespace RnnCluster.Training.Coordinator;

/// <summary>
/// Worker → coordinator: finished an assignment (timings for the step breakdown), or cut it short
/// (<paramref name="Abandoned"/>) because the step was applied without it; then it is no work done, only time spent.
/// </summary>
[MessagePackObject]
public sealed record WorkDone(
    [property: Key(0)] string RunId,
    [property: Key(1)] long Step,
    [property: Key(2)] string WorkerId,
    [property: Key(3)] double ComputeMs,
    [property: Key(4)] double WaitMs,
    [property: Key(5)] bool Abandoned = false) : IRunMessage;
