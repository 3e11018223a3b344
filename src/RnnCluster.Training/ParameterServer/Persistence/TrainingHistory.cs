using MessagePack;

namespace RnnCluster.Training.ParameterServer;

/// <summary>Training loss of every applied step and the validation results, for curves and summaries.</summary>
[MessagePackObject]
public sealed record TrainingHistory(
    [property: Key(0)] long FirstStep,
    [property: Key(1)] byte[] TrainLosses,
    [property: Key(2)] long[] ValidationSteps,
    [property: Key(3)] double[] ValidationLosses)
{
    public static readonly TrainingHistory Empty = new(0, [], [], []);
}
