using System.Diagnostics;
using Akka.Event;
using RnnCluster.Core.Optim;
using RnnCluster.Core.Steps;
using RnnCluster.Training.Coordinator;
using RnnCluster.Training.Wire;
using RnnCluster.Training.Worker;

namespace RnnCluster.Training.ParameterServer;

/// <summary>
/// The parameter server's training side as a plain object: the parameters at their current
/// version, the step being reduced (<see cref="SyncStep"/>) or the staleness rule
/// (<see cref="AsyncIntake"/>), the update, the loss history, and which workers wait for which
/// version. The math is Core's; this object decides what happens with each gradient.
/// </summary>
/// <remarks>The reduction and the update run on <paramref name="threads"/> threads over fixed block ranges: same bytes for any count.</remarks>
public sealed class RunState<TWorker>(string runId, BeginRun begin, TrainingState state, RunHistory history, StepLedgerSink? ledger = null, int threads = 1)
    : IDisposable where TWorker : notnull
{
    private readonly Core.Kernels.BlockParallel _threads = state.Parallel = threads > 1 ? new(threads, "rnncluster-ps") : Core.Kernels.BlockParallel.Sequential;
    private readonly int _microBatches = begin.Definition.Settings.MicroBatches;
    private readonly SyncStep? _step = begin.Definition.Mode == TrainingMode.Sync ? new SyncStep(begin.Definition.Settings.MicroBatches, GradientParts.For(state.Layout), state.Parallel) : null; // set just above
    private readonly AsyncIntake? _async = begin.Definition.Mode == TrainingMode.Async ? new AsyncIntake(begin.Definition.Staleness, state.Layout.TotalSize) : null;
    private readonly Dictionary<TWorker, long> _waiting = new();
    private readonly PublishedParameters _published = new();

    public TrainingState State => state;

    public long Version => state.Step;

    /// <summary>Micro-batches of <paramref name="step"/> not yet received (none when it is not the current step).</summary>
    public int[] Missing(long step) => step == state.Step && _step is not null ? _step.Missing() : [];

    /// <summary>A worker asks for <paramref name="version"/>: true to send the current one now, false when it will get it once applied.</summary>
    public bool Request(TWorker worker, long version)
    {
        if (_async is not null || version <= state.Step)
            return true;
        _waiting[worker] = version;
        return false;
    }

    /// <summary>The current version as a blob shared by its recipients; each recipient owns one share.</summary>
    public TensorBlob Parameters() => _published.For(state.Step, state.Parameters);

    public GradientOutcome<TWorker> Offer(GradientComputed g)
    {
        if (g.Gradient.Length % sizeof(float) != 0)
            return Refuse(g, $"a gradient of {g.Gradient.Length} bytes is not a whole number of floats");
        return _async is null ? OfferSync(g) : OfferAsync(g);
    }

    private GradientOutcome<TWorker> OfferSync(GradientComputed g)
    {
        // A past step's gradient exists only when its share was handed out again: a backup task beat
        // it (then it is one step late, routinely: logged for --verbose only), or its worker was lost
        // or missed the deadline and delivers long after (its bulk connection is plain TCP, outside
        // remoting's quarantine). The version check drops it, visibly when it is that late.
        if (g.Step < state.Step)
            return new($"ignores a stale gradient of step {g.Step} [{g.Lo},{g.Hi}) from worker {g.WorkerId}: the run is at step {state.Step} (that share was handed out again)",
                g.Step == state.Step - 1 ? LogLevel.InfoLevel : LogLevel.WarningLevel);
        if (g.Step > state.Step)
            return new($"gradient of step {g.Step} [{g.Lo},{g.Hi}) from {g.WorkerId} is ahead of the run's step {state.Step}; ignored");
        var verdict = _step!.Offer(g.Lo, g.Hi, g.Offset, g.Gradient.Floats, g.LossSum, g.Tokens, g.WorkerId);
        if (verdict.Problem is not null)
            return Refuse(g, verdict.Problem);
        var outcome = verdict.Complete ? ApplyStep() : GradientOutcome<TWorker>.Nothing;
        return verdict.Overlapped
            ? outcome with { Refused = Refusal(g, GradientRefusals.Overlap), Level = LogLevel.InfoLevel, // the loser of a backup task's race
                Note = $"gradient of step {g.Step} [{g.Lo},{g.Hi}) [{g.Offset},{g.Offset + g.Gradient.Length / 4}) from {g.WorkerId} overlaps micro-batches already received; refused" }
            : outcome;
    }

    private GradientOutcome<TWorker> ApplyStep()
    {
        long step = state.Step;
        Runtime.StepTrace.Mark(Runtime.StepTrace.ApplyStarted, step);
        long started = Stopwatch.GetTimestamp();
        if (Apply(() => state.ApplyInPlace(_step!.Sum), new GradientRefused(runId, step, 0, _microBatches, "parameter-server", ""), out var update) is { } failed)
        {
            _step!.Reset();
            return failed;
        }
        double loss = _step!.Loss;
        history.RecordTrainLoss(step, loss);
        ledger?.Invoke(runId, step, _step.Ledger);
        var applied = new StepApplied(runId, step, loss, update.GradientNorm, update.LearningRate, _step.ReduceMs, Stopwatch.GetElapsedTime(started).TotalMilliseconds, 0);
        _step.Reset();
        var waiters = _waiting.Where(w => w.Value <= state.Step).Select(w => w.Key).ToList();
        foreach (var worker in waiters)
            _waiting.Remove(worker);
        return new(Applied: applied, Publish: waiters, CheckpointDue: CheckpointDue);
    }

    private GradientOutcome<TWorker> OfferAsync(GradientComputed g)
    {
        long version = state.Step;
        var values = g.Gradient.Floats;
        if (_async!.Judge(version, g.ParameterVersion, g.Offset, values) is { } problem)
            return Refuse(g, problem, stale: problem.StartsWith(GradientRefusals.Stale, StringComparison.Ordinal)) with { Verdict = false };
        // One micro-batch per update: its share (1/(B·T)) is scaled up to the mean over its own tokens.
        if (Apply(() => state.Apply(g.Gradient.Floats, scale: _microBatches), Refusal(g, ""), out var update) is { } failed)
            return failed.Aborted is null ? failed with { Verdict = false } : failed;
        _async.Applied(version, g.ParameterVersion);
        double loss = g.LossSum / Math.Max(1, g.Tokens);
        history.RecordTrainLoss(version, loss);
        return new(Applied: new StepApplied(runId, version, loss, update.GradientNorm, update.LearningRate, 0, 0, _async.MaxStaleness),
            CheckpointDue: CheckpointDue, Verdict: true);
    }

    private bool CheckpointDue => begin.Checkpoints.Every > 0 && state.Step % begin.Checkpoints.Every == 0;

    /// <summary>
    /// Applies an update. Null when done; else what to say: a sum that overflowed (nothing was
    /// applied; <paramref name="refusal"/> with the reason), or an update that made the parameters
    /// non-finite (a learning rate far too large): the run must abort, its last checkpoint stays the good one.
    /// </summary>
    private GradientOutcome<TWorker>? Apply(Func<UpdateResult> apply, GradientRefused refusal, out UpdateResult update)
    {
        update = default;
        try
        {
            update = apply();
        }
        catch (NonFiniteGradientException e)
        {
            return new(e.Message, LogLevel.ErrorLevel, refusal with { Reason = e.Message });
        }
        if (Core.Kernels.FiniteCheck.All(state.Parameters))
            return null;
        string reason = $"training diverged: the update of step {state.Step - 1} made the parameters non-finite (learning rate {state.Settings.Optimizer.LearningRate} too large?)";
        return new(reason, LogLevel.ErrorLevel, Aborted: reason);
    }

    private GradientRefused Refusal(GradientComputed g, string reason) => new(runId, g.Step, g.Lo, g.Hi, g.WorkerId, reason);

    private GradientOutcome<TWorker> Refuse(GradientComputed g, string problem, bool stale = false) =>
        new($"refused the gradient of step {g.Step} [{g.Lo},{g.Hi}) from worker {g.WorkerId}: {problem}", stale ? LogLevel.DebugLevel : LogLevel.WarningLevel, Refusal(g, problem));

    public void Dispose()
    {
        _step?.Dispose();
        _published.Dispose();
        if (ReferenceEquals(state.Parallel, _threads))
            state.Parallel = Core.Kernels.BlockParallel.Sequential;
        _threads.Dispose();
    }
}
