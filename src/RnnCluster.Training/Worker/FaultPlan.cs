namespace RnnCluster.Training.Worker;

/// <summary>The injected faults of <see cref="WorkerFaults"/>, each happening once: a crash (sync mode) and a NaN gradient.</summary>
public sealed class FaultPlan(WorkerFaults faults)
{
    private bool _crashed, _corrupted;

    /// <summary>Whether the share of <paramref name="step"/> crashes the worker, and whether its first gradient is corrupted.</summary>
    public (bool Crash, bool Corrupt) For(long step, bool async)
    {
        bool crash = !_crashed && !async && faults.CrashAtStep == step;
        bool corrupt = !_corrupted && faults.CorruptAtStep == step;
        _crashed |= crash;
        _corrupted |= corrupt;
        return (crash, corrupt);
    }
}
