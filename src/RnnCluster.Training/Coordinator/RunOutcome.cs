
namespace RnnCluster.Training.Coordinator;

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
