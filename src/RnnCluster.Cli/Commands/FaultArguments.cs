using System.CommandLine;
using System.Globalization;
using RnnCluster.Training.Worker;

namespace RnnCluster.Cli.Commands;

/// <summary>
/// Fault injection (shared by `train` and `node`): worker W of this process crashes, or sends a NaN
/// gradient, at a given step; or the whole process dies as by kill -9 when a share of a given step
/// reaches it. On a node, W counts that node's own worker threads (0..--threads-1).
/// </summary>
internal sealed class FaultArguments
{
    public Option<string[]> FailWorker { get; } = new("--fail-worker") { Description = "fault injection: worker W of this process crashes while computing step STEP (W@STEP, repeatable)" };
    public Option<string[]> CorruptWorker { get; } = new("--corrupt-worker") { Description = "fault injection: worker W of this process sends a NaN gradient at step STEP (W@STEP, repeatable)" };
    public Option<string[]> SlowWorker { get; } = new("--slow-worker") { Description = "fault injection: worker W of this process computes FACTOR times slower, a straggler (W@FACTOR, repeatable)" };
    public Option<long?> DieAtStep { get; } = new("--die-at-step") { Description = "fault injection: this process kills itself (SIGKILL) when one of its workers is given step STEP" };

    public void AddTo(Command command)
    {
        command.Options.Add(FailWorker);
        command.Options.Add(CorruptWorker);
        command.Options.Add(SlowWorker);
        command.Options.Add(DieAtStep);
    }

    /// <summary>The faults of each of this process's <paramref name="workerCount"/> workers, by index.</summary>
    public Func<int, WorkerFaults> Read(ParseResult p, int workerCount)
    {
        var crash = Parse(p.GetValue(FailWorker) ?? [], "--fail-worker");
        var corrupt = Parse(p.GetValue(CorruptWorker) ?? [], "--corrupt-worker");
        var slow = new Dictionary<int, double>();
        foreach (var spec in p.GetValue(SlowWorker) ?? [])
        {
            var parts = spec.Split('@');
            if (parts.Length != 2 || !int.TryParse(parts[0], CultureInfo.InvariantCulture, out int w) || w < 0
                || !double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double factor) || !(factor >= 1) || factor > 1000)
                throw new UsageException($"--slow-worker takes WORKER@FACTOR with a factor from 1 to 1000 (e.g. 1@3), not '{spec}'.");
            slow[w] = factor;
        }
        long? die = p.GetValue(DieAtStep);
        if (die is < 0)
            throw new UsageException($"--die-at-step takes a step >= 0, not {die}.");
        if (die is not null && workerCount == 0)
            throw new UsageException("--die-at-step needs a worker in this process: it fires when one is given that step.");
        foreach (int w in crash.Keys.Concat(corrupt.Keys).Concat(slow.Keys).Where(w => w >= workerCount))
            throw new UsageException(workerCount == 0
                ? $"Fault injection names worker {w}, but this process runs no workers."
                : $"Fault injection names worker {w}, but this process runs only {workerCount} (0..{workerCount - 1}).");
        return worker => new WorkerFaults(
            crash.TryGetValue(worker, out long c) ? c : null,
            corrupt.TryGetValue(worker, out long n) ? n : null,
            DieAtStep: die,
            Slowdown: slow.TryGetValue(worker, out double f) ? f : null);
    }

    /// <summary>"W@STEP" (repeatable) → worker index → step.</summary>
    private static Dictionary<int, long> Parse(IEnumerable<string> specs, string option)
    {
        var faults = new Dictionary<int, long>();
        foreach (var spec in specs)
        {
            var parts = spec.Split('@');
            if (parts.Length != 2 || !int.TryParse(parts[0], CultureInfo.InvariantCulture, out int worker) || !long.TryParse(parts[1], CultureInfo.InvariantCulture, out long step) || worker < 0 || step < 0)
                throw new UsageException($"{option} takes WORKER@STEP (e.g. 1@25), not '{spec}'.");
            faults[worker] = step;
        }
        return faults;
    }
}
