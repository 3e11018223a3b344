namespace RnnCluster.Core.Optim;

/// <summary>The learning rate of a step as a pure function of (base rate, schedule, step), bit-identical on every machine.</summary>
public static class LearningRates
{
    public static float At(float baseRate, LrSchedule schedule, long step)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        double lr = baseRate;
        switch (schedule.Kind)
        {
            case LrScheduleKind.Constant:
                break;
            case LrScheduleKind.StepDecay:
                if (schedule.DecaySteps > 0)
                    lr *= DeterministicMath.Pow(schedule.DecayFactor, step / schedule.DecaySteps);
                break;
            case LrScheduleKind.WarmupCosine:
                if (step < schedule.WarmupSteps)
                {
                    lr *= (step + 1.0) / schedule.WarmupSteps;
                }
                else
                {
                    double progress = schedule.DecaySteps > 0
                        ? Math.Min(1.0, (double)(step - schedule.WarmupSteps) / schedule.DecaySteps)
                        : 1.0;
                    double floor = schedule.MinLrFraction;
                    lr *= floor + (1 - floor) * 0.5 * (1 + DeterministicMath.Cos(Math.PI * progress));
                }
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(schedule), schedule.Kind, "Unknown learning-rate schedule.");
        }
        return (float)lr;
    }
}
