using System.Diagnostics.Metrics;
using RnnCluster.Training.Coordinator;

namespace RnnCluster.Training.Node;

/// <summary>
/// The process's training metrics as a <see cref="Meter"/>, so that Training needs no web or
/// Prometheus library: the dashboard exports whatever this meter records (docs/dashboard.md lists
/// the names as Prometheus shows them: the meter's name, "rnncluster", prefixes each instrument's,
/// and counters gain "_total"). Histograms are in seconds. Base units: seconds and bytes. Labels stay few (run,
/// worker, phase, direction) so that a long run does not grow the series count.
/// Recording with no listener attached costs one branch per call.
/// </summary>
public static class RnnClusterMetrics
{
    public const string MeterName = "rnncluster";

    private static readonly Meter Meter = new(MeterName);
    private static readonly Counter<long> Steps = Meter.CreateCounter<long>("steps", description: "training steps applied");
    private static readonly Counter<long> Tokens = Meter.CreateCounter<long>("tokens", description: "tokens trained on");
    private static readonly Histogram<double> StepSeconds = Meter.CreateHistogram<double>("step_duration_seconds", "s", "wall time of a step, from assignment to applied update");
    private static readonly Histogram<double> PhaseSeconds = Meter.CreateHistogram<double>("step_phase_seconds", "s", "a step's parts: compute (slowest worker), transfer (the rest of the step), reduce, apply");
    private static readonly Histogram<double> ComputeSeconds = Meter.CreateHistogram<double>("worker_compute_seconds", "s", "one worker's compute time for its share of a step");
    private static readonly Counter<long> Checkpoints = Meter.CreateCounter<long>("checkpoints", description: "checkpoints saved");
    private static readonly Histogram<double> CheckpointSeconds = Meter.CreateHistogram<double>("checkpoint_duration_seconds", "s", "time to save a checkpoint");
    private static readonly Counter<long> Backups = Meter.CreateCounter<long>("backups", description: "shares handed out again to a backup worker");
    private static readonly Counter<long> Refusals = Meter.CreateCounter<long>("refusals", description: "gradients the parameter server refused");
    private static readonly Counter<long> WorkersLost = Meter.CreateCounter<long>("workers_lost", description: "workers lost during the run");
    private static readonly Counter<long> BulkBytes = Meter.CreateCounter<long>("bulk_bytes", "bytes", "bytes on the bulk channel (parameters and gradients between nodes)");
    private static double _trainLoss = double.NaN, _validationLoss = double.NaN, _workersUp;
    private static string _run = "";

    static RnnClusterMetrics()
    {
        Meter.CreateObservableGauge("train_loss", () => Gauge(_trainLoss), description: "training loss of the latest step");
        Meter.CreateObservableGauge("validation_loss", () => Gauge(_validationLoss), description: "latest validation loss");
        Meter.CreateObservableGauge("workers_up", () => Gauge(_workersUp), description: "workers ready for the run");
    }

    /// <summary>The coordinator's progress: counts a new step once, keeps the gauges current.</summary>
    public static void Progress(RunProgress progress, bool newStep)
    {
        _run = progress.RunId;
        _trainLoss = progress.TrainLoss;
        _validationLoss = progress.ValidationLoss ?? double.NaN;
        _workersUp = progress.WorkersAlive;
        if (!newStep)
            return;
        var run = Run(progress.RunId);
        Steps.Add(1, run);
        Tokens.Add(progress.TokensPerStep, run);
        if (progress.LastStep is not { } t)
            return;
        StepSeconds.Record(t.StepMs / 1000, run);
        double transfer = Math.Max(0, t.StepMs - t.ComputeMs - t.ReduceMs - t.ApplyMs);
        foreach (var (phase, ms) in new[] { ("compute", t.ComputeMs), ("transfer", transfer), ("reduce", t.ReduceMs), ("apply", t.ApplyMs) })
            PhaseSeconds.Record(ms / 1000, run, new KeyValuePair<string, object?>("phase", phase));
    }

    public static void WorkDone(WorkDone done) =>
        ComputeSeconds.Record(done.ComputeMs / 1000, Run(done.RunId), new KeyValuePair<string, object?>("worker", done.WorkerId));

    public static void CheckpointSaved(CheckpointSaved saved)
    {
        Checkpoints.Add(1, Run(saved.RunId));
        CheckpointSeconds.Record(saved.SaveMs / 1000, Run(saved.RunId));
    }

    public static void Notice(WorkerNotice notice)
    {
        var counter = notice.Kind switch
        {
            WorkerNoticeKind.Backup => Backups,
            WorkerNoticeKind.Refused => Refusals,
            WorkerNoticeKind.Lost => WorkersLost,
            _ => null,
        };
        counter?.Add(1, Run(notice.RunId), new KeyValuePair<string, object?>("worker", notice.WorkerId));
    }

    /// <summary>Bytes written to (sent) or read from (received) the bulk channel's sockets.</summary>
    public static void Bulk(string direction, long bytes)
    {
        if (BulkBytes.Enabled)
            BulkBytes.Add(bytes, new KeyValuePair<string, object?>("direction", direction));
    }

    private static KeyValuePair<string, object?> Run(string runId) => new("run", runId);

    private static Measurement<double>[] Gauge(double value) =>
        _run.Length == 0 || double.IsNaN(value) ? [] : [new Measurement<double>(value, Run(_run))];
}
