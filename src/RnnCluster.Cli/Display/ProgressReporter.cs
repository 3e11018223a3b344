using System.Diagnostics;
using System.Globalization;
using RnnCluster.Training.Coordinator;
using Spectre.Console;

namespace RnnCluster.Cli.Display;

/// <summary>
/// Shows a run's progress: a live table (Spectre.Console) on a terminal, plain log lines when the
/// output is redirected (CI, scripts, files). Progress arrives on actor threads; the display
/// reads the latest snapshot.
/// </summary>
internal abstract class ProgressReporter
{
    public static ProgressReporter Create(bool plain) =>
        plain || Console.IsOutputRedirected || !AnsiConsole.Profile.Capabilities.Interactive ? new PlainReporter() : new LiveReporter();

    public abstract void OnProgress(RunProgress progress);

    /// <summary>Runs <paramref name="work"/> while displaying; returns its result.</summary>
    public abstract Task<T> ShowWhile<T>(Func<Task<T>> work);

    protected static string Format(RunProgress p) => string.Create(CultureInfo.InvariantCulture,
        $"step {p.Step}/{p.TargetSteps}  epoch {p.Epoch:F2}  loss {p.TrainLoss:F4}{(p.ValidationLoss is { } v ? $"  val {v:F4}" : "")}  " +
        $"{p.TokensPerSecond:F0} tok/s  workers {p.WorkersAlive}  checkpoint {(p.LastCheckpoint?.ToString(CultureInfo.InvariantCulture) ?? "-")}");

    private sealed class PlainReporter : ProgressReporter
    {
        private readonly Stopwatch _sinceLast = Stopwatch.StartNew();
        private readonly object _gate = new();

        public override void OnProgress(RunProgress progress)
        {
            lock (_gate)
            {
                if (progress.Event is not null)
                    Console.WriteLine($"[{progress.RunId}] {progress.Event}");
                bool due = _sinceLast.Elapsed.TotalSeconds >= 5 || progress.Step == progress.TargetSteps || progress.Step % 100 == 0;
                if (progress.Event is null && due)
                {
                    Console.WriteLine($"[{progress.RunId}] {Format(progress)}");
                    _sinceLast.Restart();
                }
            }
        }

        public override Task<T> ShowWhile<T>(Func<Task<T>> work) => work();
    }

    private sealed class LiveReporter : ProgressReporter
    {
        private volatile RunProgress? _latest;
        private readonly List<string> _events = new();

        public override void OnProgress(RunProgress progress)
        {
            _latest = progress;
            if (progress.Event is not null)
                lock (_events)
                {
                    _events.Add(progress.Event);
                    if (_events.Count > 5)
                        _events.RemoveAt(0);
                }
        }

        public override async Task<T> ShowWhile<T>(Func<Task<T>> work)
        {
            var task = work();
            await AnsiConsole.Live(Render()).AutoClear(false).StartAsync(async ctx =>
            {
                while (!task.IsCompleted)
                {
                    ctx.UpdateTarget(Render());
                    await Task.WhenAny(task, Task.Delay(250));
                }
                ctx.UpdateTarget(Render());
            });
            return await task;
        }

        private Table Render()
        {
            var p = _latest;
            var table = new Table().Border(TableBorder.Rounded).AddColumn("run").AddColumn(p?.RunId ?? "starting…");
            if (p is not null)
            {
                double fraction = p.TargetSteps == 0 ? 1 : (double)p.Step / p.TargetSteps;
                table.AddRow("step", $"{p.Step} / {p.TargetSteps}  [green]{new string('█', (int)(fraction * 30))}[/]{new string('░', 30 - (int)(fraction * 30))}");
                table.AddRow("epoch", p.Epoch.ToString("F2", CultureInfo.InvariantCulture));
                table.AddRow("train loss", double.IsNaN(p.TrainLoss) ? "-" : p.TrainLoss.ToString("F4", CultureInfo.InvariantCulture));
                table.AddRow("validation loss", p.ValidationLoss?.ToString("F4", CultureInfo.InvariantCulture) ?? "-");
                table.AddRow("tokens/s", p.TokensPerSecond.ToString("N0", CultureInfo.InvariantCulture));
                table.AddRow("workers alive", p.WorkersAlive.ToString(CultureInfo.InvariantCulture));
                table.AddRow("last checkpoint", p.LastCheckpoint is { } c ? $"step {c}" : "-");
                table.AddRow("step time", string.Create(CultureInfo.InvariantCulture,
                    $"{p.Timing.StepMs:F1} ms (compute {p.Timing.ComputeMs:F1}, wait {p.Timing.WaitMs:F1}, reduce {p.Timing.ReduceMs:F1}, apply {p.Timing.ApplyMs:F1})"));
            }
            lock (_events)
                foreach (var e in _events)
                    table.AddRow("[grey]event[/]", Markup.Escape(e));
            return table;
        }
    }
}
