using RnnCluster.Training.Messages;

namespace RnnCluster.Training.Actors;

/// <summary>
/// What the coordinator node was asked to run: the definition, the tokenized data (only the
/// coordinator needs a corpus; workers receive it) and the run-length options.
/// </summary>
public sealed record RunRequest(
    string RunId,
    RunDefinition Definition,
    int[] TrainTokens,
    int[] ValidationTokens,
    bool Resume,
    long TargetSteps,
    CheckpointPolicy Checkpoints,
    int MinWorkers,
    int ValidateEvery,
    TimeSpan StepTimeout,
    TimeSpan? TimeBudget = null)
{
    /// <summary>Windows per epoch: W = (N − 1) / T, the sampler's definition.</summary>
    public long WindowsPerEpoch => Math.Max(1, (TrainTokens.Length - 1) / Definition.Settings.SeqLen);

    public int TokensPerStep => Definition.Settings.Batch * Definition.Settings.SeqLen;
}

/// <summary>Published on the coordinator node's event stream after every step (for progress displays).</summary>
public sealed record RunProgress(
    string RunId,
    long Step,
    long TargetSteps,
    double Epoch,
    double TrainLoss,
    double? ValidationLoss,
    double TokensPerSecond,
    int WorkersAlive,
    long? LastCheckpoint,
    StepTiming Timing,
    string? Event);

/// <summary>Step times after the first 10 steps: a checkpoint or a GC pause shows up in the slowest.</summary>
public sealed record StepSpread(double MedianMs, double SlowestMs);

/// <summary>Where the time of a step goes, averaged over the last steps.</summary>
public sealed record StepTiming(double StepMs, double ComputeMs, double WaitMs, double ReduceMs, double ApplyMs);

/// <summary>How a run ended, as seen by the coordinator node.</summary>
public sealed record RunOutcome(
    string RunId,
    bool Success,
    long Steps,
    double TokensPerSecond,
    double TrainLoss,
    double? ValidationLoss,
    string Message,
    int? MaxStaleness = null,
    StepTiming? Timing = null,
    StepSpread? Spread = null)
{
    /// <summary>Where a step's time went (the summary: means over the steps after the first 10; live progress: the last 20), for people.</summary>
    public string? TimingLine => Timing is not { StepMs: > 0 } t ? null : FormattableString.Invariant(
        $"time per step {t.StepMs:F1} ms: compute {t.ComputeMs:F1} (slowest worker), reduce {t.ReduceMs:F1}, apply {t.ApplyMs:F1}, transfer and waiting {Math.Max(0, t.StepMs - t.ComputeMs - t.ReduceMs - t.ApplyMs):F1} (workers idle {t.WaitMs:F1})")
        + (Spread is { } s ? FormattableString.Invariant($"; median step {s.MedianMs:F1} ms, slowest {s.SlowestMs:F1} ms") : "");

    /// <summary>The summary line scripts read: the last line `train` prints.</summary>
    public string SummaryLine =>
        FormattableString.Invariant($"run={RunId} steps={Steps} tokens_per_s={TokensPerSecond:F0} train_loss={TrainLoss:F4} val_loss={(ValidationLoss is { } v ? v.ToString("F4", System.Globalization.CultureInfo.InvariantCulture) : "nan")}");
}

/// <summary>Ask the coordinator to stop after the current step, saving a checkpoint (Ctrl+C).</summary>
public sealed record StopGracefully(string Reason) : Akka.Actor.INoSerializationVerificationNeeded;
