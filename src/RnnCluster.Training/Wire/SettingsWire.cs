using System.Runtime.InteropServices;
using MessagePack;
using RnnCluster.Core.Model;
using RnnCluster.Core.Optim;
using RnnCluster.Core.Text;

namespace RnnCluster.Training.Wire;

/// <summary>Wire form of <see cref="TrainingSettings"/>.</summary>
[MessagePackObject]
public sealed record SettingsWire(
    [property: Key(0)] ulong Seed,
    [property: Key(1)] int SeqLen,
    [property: Key(2)] int Batch,
    [property: Key(3)] int MicroBatches,
    [property: Key(4)] int Optimizer,
    [property: Key(5)] float LearningRate,
    [property: Key(6)] float Beta1,
    [property: Key(7)] float Beta2,
    [property: Key(8)] float Epsilon,
    [property: Key(9)] float WeightDecay,
    [property: Key(10)] float Momentum,
    [property: Key(11)] float Alpha,
    [property: Key(12)] int Schedule,
    [property: Key(13)] int WarmupSteps,
    [property: Key(14)] int DecaySteps,
    [property: Key(15)] float DecayFactor,
    [property: Key(16)] float MinLrFraction,
    [property: Key(17)] float ClipNorm)
{
    public static SettingsWire From(TrainingSettings s) => new(
        s.Seed, s.SeqLen, s.Batch, s.MicroBatches,
        (int)s.Optimizer.Kind, s.Optimizer.LearningRate, s.Optimizer.Beta1, s.Optimizer.Beta2, s.Optimizer.Epsilon,
        s.Optimizer.WeightDecay, s.Optimizer.Momentum, s.Optimizer.Alpha,
        (int)s.Schedule.Kind, s.Schedule.WarmupSteps, s.Schedule.DecaySteps, s.Schedule.DecayFactor, s.Schedule.MinLrFraction,
        s.ClipNorm);

    public TrainingSettings ToSettings()
    {
        var settings = new TrainingSettings(Seed, SeqLen, Batch, MicroBatches,
            new OptimizerSettings((OptimizerKind)Optimizer, LearningRate, Beta1, Beta2, Epsilon, WeightDecay, Momentum, Alpha),
            new LrSchedule((LrScheduleKind)Schedule, WarmupSteps, DecaySteps, DecayFactor, MinLrFraction), ClipNorm);
        settings.Validate();
        return settings;
    }
}
