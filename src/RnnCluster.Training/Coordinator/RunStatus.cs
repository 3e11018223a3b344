namespace RnnCluster.Training.Coordinator;

/// <summary>What the coordinator reports about its run: the live progress and, at the end, the outcome.</summary>
public sealed class RunStatus(RunRequest request, StepStatistics stats, RunLength length)
{
    public double? ValidationLoss { get; set; }

    public long? LastCheckpoint { get; set; }

    public RunProgress Progress(long step, long progress, int workersReady, string? note) => new(request.RunId, step, request.TargetSteps,
        (double)step * request.Definition.Settings.Batch / request.WindowsPerEpoch, stats.TrainLoss, ValidationLoss,
        stats.TokensPerSecond(progress), workersReady, LastCheckpoint, stats.Recent, note, stats.Latest, request.TokensPerStep);

    public RunOutcome Outcome(bool success, long step, long progress, string message, int maxStaleness) => new(request.RunId, success, step,
        stats.TokensPerSecond(progress), stats.TrainLoss, ValidationLoss, message, length.Mode == Wire.TrainingMode.Async ? maxStaleness : null,
        stats.Summary, stats.Spread);
}
