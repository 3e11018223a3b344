namespace RnnCluster.Core.Optim;

public enum OptimizerKind
{
    Sgd = 0,
    Adam = 1,
    AdamW = 2,
    RmsProp = 3,
}

/// <summary>
/// Optimizer hyper-parameters. Sgd uses Momentum (0 = plain SGD); Adam/AdamW use Beta1, Beta2,
/// Epsilon (AdamW decouples WeightDecay, Adam adds it to the gradient); RmsProp uses Alpha and
/// Epsilon (and Momentum if > 0).
/// </summary>
public sealed record OptimizerSettings(
    OptimizerKind Kind,
    float LearningRate,
    float Beta1 = 0.9f,
    float Beta2 = 0.999f,
    float Epsilon = 1e-8f,
    float WeightDecay = 0f,
    float Momentum = 0.9f,
    float Alpha = 0.99f);

public enum LrScheduleKind
{
    Constant = 0,
    StepDecay = 1,
    WarmupCosine = 2,
}

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

/// <summary>
/// Everything besides the model that fixes the training trajectory: two runs with equal
/// settings and equal initial parameters produce bitwise identical parameters at every step.
/// </summary>
public sealed record TrainingSettings(
    ulong Seed,
    int SeqLen,
    int Batch,
    int MicroBatches,
    OptimizerSettings Optimizer,
    LrSchedule Schedule,
    float ClipNorm)
{
    public int MicroBatchSize => Batch / MicroBatches;

    public void Validate()
    {
        if (SeqLen < 1) throw new ArgumentException($"Sequence length must be positive, not {SeqLen}.");
        if (Batch < 1) throw new ArgumentException($"Batch must be positive, not {Batch}.");
        if (MicroBatches < 1 || Batch % MicroBatches != 0)
            throw new ArgumentException($"The batch ({Batch}) must split evenly into {MicroBatches} micro-batches.");
        if (!(Optimizer.LearningRate > 0f) || !float.IsFinite(Optimizer.LearningRate))
            throw new ArgumentException($"Learning rate must be positive, not {Optimizer.LearningRate}.");
        if (!(ClipNorm >= 0f) || !float.IsFinite(ClipNorm))
            throw new ArgumentException($"Clip norm must be >= 0 (0 = off), not {ClipNorm}.");
    }

    /// <summary>Names the first field that differs, for "resume with changed settings" messages.</summary>
    public string? FirstDifference(TrainingSettings other)
    {
        if (Seed != other.Seed) return $"seed {Seed} vs {other.Seed}";
        if (SeqLen != other.SeqLen) return $"sequence length {SeqLen} vs {other.SeqLen}";
        if (Batch != other.Batch) return $"batch {Batch} vs {other.Batch}";
        if (MicroBatches != other.MicroBatches) return $"micro-batches {MicroBatches} vs {other.MicroBatches}";
        if (Optimizer != other.Optimizer) return $"optimizer {Optimizer} vs {other.Optimizer}";
        if (Schedule != other.Schedule) return $"learning-rate schedule {Schedule} vs {other.Schedule}";
        if (ClipNorm != other.ClipNorm) return $"clip {ClipNorm} vs {other.ClipNorm}";
        return null;
    }
}
