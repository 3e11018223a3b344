namespace RnnCluster.Core.Optim;

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
