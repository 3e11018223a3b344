namespace RnnCluster.Core.Optim;

public enum LrScheduleKind
{
    Constant = 0,
    StepDecay = 1,
    WarmupCosine = 2,
}
