using MessagePack;
using RnnCluster.Training.Wire;

namespace RnnCluster.Training.Coordinator;

/// <summary>Parameter server → coordinator: step <paramref name="Step"/> was applied; parameters are now at version Step + 1.</summary>
[MessagePackObject]
public sealed record StepApplied(
    [property: Key(0)] string RunId,
    [property: Key(1)] long Step,
    [property: Key(2)] double TrainLoss,
    [property: Key(3)] double GradientNorm,
    [property: Key(4)] float LearningRate,
    [property: Key(5)] double ReduceMs,
    [property: Key(6)] double ApplyMs,
    [property: Key(7)] int MaxStaleness) : IRunMessage;
