using System.Diagnostics;
using RnnCluster.Core.Steps;

namespace RnnCluster.Benchmarks;

/// <summary>The core benchmark's measurement, shared by the benchmarks that compare against it.</summary>
internal static class CoreSteps
{
    /// <summary>The first steps are excluded: they include JIT tiering and first-touch allocation.</summary>
    public const int WarmUp = 10;

    /// <summary>Runs <paramref name="steps"/> reference steps and returns the wall time of steps 10..N, in ms.</summary>
    /// <param name="onStep">Called after every step with its index, report and time.</param>
    public static List<double> Time(ReferenceTrainer trainer, int steps, Action<int, StepReport, double>? onStep = null)
    {
        var times = new List<double>();
        var clock = new Stopwatch();
        for (int s = 0; s < steps; s++)
        {
            clock.Restart();
            var report = trainer.Step();
            double ms = clock.Elapsed.TotalMilliseconds;
            if (s >= WarmUp)
                times.Add(ms);
            onStep?.Invoke(s, report, ms);
        }
        return times;
    }
}
