using MessagePack;
using RnnCluster.Training.Wire;

namespace RnnCluster.Training.Coordinator;

/// <summary>Parameter server → coordinator: a gradient was refused (not finite, wrong shape, overlapping); its micro-batches are still missing.</summary>
[MessagePackObject]
public sealed record GradientRefused(
    [property: Key(0)] string RunId,
    [property: Key(1)] long Step,
    [property: Key(2)] int Lo,
    [property: Key(3)] int Hi,
    [property: Key(4)] string WorkerId,
    [property: Key(5)] string Reason) : IRunMessage;
