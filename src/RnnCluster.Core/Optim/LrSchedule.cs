namespace RnnCluster.Core.Optim;

/// <summary>
/// Learning-rate schedule as a pure function of the step. StepDecay multiplies by DecayFactor
/// every DecaySteps; WarmupCosine rises linearly over WarmupSteps then follows a half cosine
/// to MinLrFraction·lr at WarmupSteps + DecaySteps and stays there. Its length is part of the
/// trajectory, never derived from the run length (so a resumed run may be extended).
/// </summary>
public sealed record LrSchedule(
    LrScheduleKind Kind = LrScheduleKind.Constant,
    int WarmupSteps = 0,
    int DecaySteps = 0,
    float DecayFactor = 0.5f,
    float MinLrFraction = 0.1f);
