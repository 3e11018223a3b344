namespace RnnCluster.Training.Worker;

/// <summary>The injected faults of <see cref="WorkerFaults"/>, each happening once: a crash (sync mode), a NaN gradient and the process's death.</summary>
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

    /// <summary>How much slower than it could this worker computes (--slow-worker; 1 = not slowed).</summary>
    public double Slowdown => faults.Slowdown ?? 1;

    /// <summary>Whether the process dies on receiving its share of <paramref name="step"/> (a step, not a micro-batch, in async mode too).</summary>
    public bool DiesAt(long step) => faults.DieAtStep == step;

    /// <summary>Kills this process with SIGKILL (no leaving the cluster, no flushing: as kill -9 from outside) if it dies at <paramref name="step"/>.</summary>
    public void DieIfDue(long step)
    {
        if (DiesAt(step))
            System.Diagnostics.Process.GetCurrentProcess().Kill();
    }
}
