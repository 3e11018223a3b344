namespace RnnCluster.Training.Coordinator;

/// <summary>
/// Where the time of each step goes, the shares each worker computed, and tokens/s. Progress is
/// counted in updates: one per step in sync mode, one per micro-batch in async mode.
/// </summary>
public sealed class StepStatistics(CoordinatorSettings settings, long tokensPerStep, int updatesPerStep, TimeProvider time)
{
    private readonly List<StepTiming> _window = new();   // the last ProgressWindow steps, oldest first
    private readonly List<StepTiming> _measured = new(); // every step after the warm-up, for the summary
    private readonly SortedDictionary<string, int> _shares = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, int> _abandoned = new(StringComparer.Ordinal);
    private long _stepStartedAt, _timedFrom = -1, _timedAt, _stoppedAt = -1, _trainingStartedAt = -1;
    private long _startProgress;
    private double _computeMs, _waitMs;

    /// <summary>Shares each worker finished, late ones included; a worker whose shares were all cut short counts 0.</summary>
    public IReadOnlyDictionary<string, int> Shares => _shares;

    /// <summary>Shares cut short because the step was applied without them (a straggler's, overtaken by a backup).</summary>
    public IReadOnlyDictionary<string, int> Abandoned => _abandoned;

    private const int ComputeTimesKept = 1024; // per worker: enough for a median and a p95 of the recent steps
    private readonly Dictionary<string, Queue<double>> _workerComputeMs = new(StringComparer.Ordinal);

    /// <summary>
    /// Each worker's compute time per share over its last shares: median and 95th percentile, in ms. Shares
    /// cut short count with the time they ran, so a straggler whose every share was overtaken still shows how slow it is.
    /// </summary>
    public IReadOnlyDictionary<string, (double Median, double P95)> ComputeTimes =>
        _workerComputeMs.ToDictionary(w => w.Key, w =>
        {
            var sorted = w.Value.Order().ToArray();
            return (sorted[sorted.Length / 2], sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(0.95 * sorted.Length) - 1)]);
        }, StringComparer.Ordinal);

    /// <summary>Backup tasks that finished before the share they copied.</summary>
    public int BackupsWon { get; private set; }

    public void BackupWon() => BackupsWon++;

    /// <summary>The training loss of the last applied step (or update).</summary>
    public double TrainLoss { get; set; } = double.NaN;

    /// <summary>Time since this session's first step (the time budget counts from there).</summary>
    public TimeSpan TrainingElapsed => _trainingStartedAt < 0 ? TimeSpan.Zero : time.GetElapsedTime(_trainingStartedAt);

    public void SessionStarted(long progress)
    {
        _startProgress = progress;
        _trainingStartedAt = time.GetTimestamp();
    }

    public void StepStarted()
    {
        _stepStartedAt = time.GetTimestamp();
        _computeMs = _waitMs = 0;
    }

    /// <summary>
    /// A worker's share of <paramref name="step"/> is done (or, <paramref name="abandoned"/>, cut short). The server
    /// may report the step applied before the worker's WorkDone arrives (the gradient is the last thing a worker
    /// sends), so a WorkDone of the step just applied amends that step's timing instead of being lost. Older
    /// ones still count in the per-worker shares and times: a straggler's shares come late by nature.
    /// </summary>
    public void WorkDone(string workerId, long step, long currentStep, double computeMs, double waitMs, bool abandoned = false)
    {
        if (step > currentStep)
            return;
        if (abandoned)
        {
            _abandoned[workerId] = _abandoned.GetValueOrDefault(workerId) + 1;
            _shares.TryAdd(workerId, 0);
        }
        else
        {
            if (step == currentStep - 1 && _window.Count > 0)
            {
                var last = _window[^1];
                var amended = last with { ComputeMs = Math.Max(last.ComputeMs, computeMs), WaitMs = Math.Max(last.WaitMs, waitMs) };
                _window[^1] = amended;
                if (_measured.Count > 0 && ReferenceEquals(_measured[^1], last))
                    _measured[^1] = amended;
            }
            else if (step == currentStep)
            {
                _computeMs = Math.Max(_computeMs, computeMs);
                _waitMs = Math.Max(_waitMs, waitMs);
            }
            _shares[workerId] = _shares.GetValueOrDefault(workerId) + 1;
        }
        var times = _workerComputeMs.TryGetValue(workerId, out var kept) ? kept : _workerComputeMs[workerId] = new Queue<double>();
        times.Enqueue(computeMs);
        if (times.Count > ComputeTimesKept)
            times.Dequeue();
    }

    public void StepApplied(long step, double reduceMs, double applyMs)
    {
        Runtime.StepTrace.Mark(Runtime.StepTrace.StepReported, step);
        var timing = new StepTiming(time.GetElapsedTime(_stepStartedAt).TotalMilliseconds, _computeMs, _waitMs, reduceMs, applyMs);
        _window.Add(timing);
        if (step - _startProgress >= settings.WarmUpSteps)
            _measured.Add(timing);
        if (_window.Count > settings.ProgressWindow)
            _window.RemoveAt(0);
    }

    /// <summary>Tokens/s are measured from the end of the session's warm-up.</summary>
    public void Progressed(long progress)
    {
        if (_timedFrom < 0 && progress - _startProgress >= (long)settings.WarmUpSteps * updatesPerStep)
        {
            _timedFrom = progress;
            _timedAt = time.GetTimestamp();
        }
    }

    /// <summary>The training steps are over: tokens/s leaves out the final validation and checkpoint.</summary>
    public void Stop() => _stoppedAt = _stoppedAt < 0 ? time.GetTimestamp() : _stoppedAt;

    public double TokensPerSecond(long progress)
    {
        if (_timedFrom < 0)
            return 0;
        double seconds = (_stoppedAt < 0 ? time.GetElapsedTime(_timedAt) : time.GetElapsedTime(_timedAt, _stoppedAt)).TotalSeconds;
        return seconds <= 0 ? 0 : (double)(progress - _timedFrom) / updatesPerStep * tokensPerStep / seconds;
    }

    /// <summary>The latest applied step's own timing, or null before the first.</summary>
    public StepTiming? Latest => _window.Count == 0 ? null : _window[^1];

    /// <summary>Means over the last steps, for the live display.</summary>
    public StepTiming Recent => Mean(_window);

    /// <summary>Means over the steps after the warm-up (all steps when there were too few), for the summary.</summary>
    public StepTiming Summary => Mean(_measured.Count > 0 ? _measured : _window);

    public StepSpread? Spread => _measured.Count == 0 ? null
        : new StepSpread(_measured.Select(t => t.StepMs).Order().ElementAt(_measured.Count / 2), _measured.Max(t => t.StepMs));

    /// <summary>--step-timeout at most, but once step times are known, a multiple of the mean, so a silent worker is noticed long before the Split Brain Resolver acts.</summary>
    public TimeSpan StepDeadline(TimeSpan limit)
    {
        if (_window.Count < settings.StepsBeforeAdaptiveDeadline)
            return limit;
        var adaptive = TimeSpan.FromMilliseconds(Math.Max(settings.MinStepDeadline.TotalMilliseconds, settings.StepDeadlineFactor * _window.Average(t => t.StepMs)));
        return adaptive < limit ? adaptive : limit;
    }

    private static StepTiming Mean(IReadOnlyList<StepTiming> timings) => timings.Count == 0
        ? new StepTiming(0, 0, 0, 0, 0)
        : new StepTiming(timings.Average(t => t.StepMs), timings.Average(t => t.ComputeMs), timings.Average(t => t.WaitMs),
            timings.Average(t => t.ReduceMs), timings.Average(t => t.ApplyMs));
}
