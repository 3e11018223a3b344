using RnnCluster.Training.Wire;

namespace RnnCluster.Training.Coordinator;

/// <summary>When a run is over, and how its end reads. Progress is counted in updates (see <see cref="StepStatistics"/>).</summary>
public sealed record RunLength(long TargetSteps, TimeSpan? TimeBudget, TrainingMode Mode, int MicroBatches, int Staleness)
{
    public static RunLength Of(RunRequest request) => new(request.TargetSteps, request.TimeBudget, request.Definition.Mode,
        request.Definition.Settings.MicroBatches, request.Definition.Staleness);

    public int UpdatesPerStep => Mode == TrainingMode.Async ? MicroBatches : 1;

    public bool OutOfTime(TimeSpan trainingElapsed) => TimeBudget is { } budget && trainingElapsed >= budget;

    public bool IsDone(long progress, TimeSpan trainingElapsed) => progress >= TargetSteps * UpdatesPerStep || OutOfTime(trainingElapsed);

    /// <summary>The line that says how a finished run ended.</summary>
    public string EndMessage(bool stopRequested, long step, TimeSpan trainingElapsed, IReadOnlyDictionary<string, int> shares, int maxStaleness,
        IReadOnlyDictionary<string, (double Median, double P95)>? computeMs = null, int backupsWon = 0, IReadOnlyDictionary<string, int>? abandoned = null)
    {
        string message = stopRequested && !IsDone(step * UpdatesPerStep, trainingElapsed) ? $"stopped at step {step}"
            : OutOfTime(trainingElapsed) && step < TargetSteps ? FormattableString.Invariant($"time budget of {TimeBudget!.Value.TotalSeconds:F0} s used up at step {step}")
            : $"finished at step {step}";
        if (shares.Count > 0)
            message += $"; shares computed per worker: {string.Join(", ", shares.Select(s => $"{s.Key}={s.Value}{ComputeOf(computeMs, s.Key)}{AbandonedOf(abandoned, s.Key)}"))}";
        if (backupsWon > 0)
            message += $"; backup tasks won {backupsWon}";
        if (Mode == TrainingMode.Async)
            message += $" (max staleness applied {maxStaleness}, bound {Staleness})";
        return message;
    }

    private static string AbandonedOf(IReadOnlyDictionary<string, int>? abandoned, string worker) =>
        abandoned is not null && abandoned.TryGetValue(worker, out int n) && n > 0 ? $" and {n} cut short" : "";

    private static string ComputeOf(IReadOnlyDictionary<string, (double Median, double P95)>? computeMs, string worker) =>
        computeMs is not null && computeMs.TryGetValue(worker, out var t) ? FormattableString.Invariant($" (compute median {t.Median:F1} ms, p95 {t.P95:F1})") : "";
}
