using RnnCluster.Training.Node;
using RnnCluster.Training.Runtime;
using RnnCluster.Training.Tests.Store;
using RnnCluster.Training.Tests.Support;

namespace RnnCluster.Training.Tests.Runtime;

/// <summary>
/// The step trace is one file per process; while a test has it on, other tests running in
/// parallel may add their own marks, so these tests look for theirs rather than count lines.
/// </summary>
public sealed class StepTraceTests
{
    [Fact]
    public void A_mark_is_a_line_of_microseconds_process_event_and_step()
    {
        string path = Path.Combine(Path.GetTempPath(), $"trace-{Guid.NewGuid():N}");
        try
        {
            StepTrace.Start(path);
            StepTrace.Mark(StepTrace.Applied, 41);
            StepTrace.Mark(StepTrace.Published, 41);
            StepTrace.Stop();
            StepTrace.Mark(StepTrace.Applied, 99); // after Stop: dropped

            var lines = File.ReadAllLines(path).Select(l => l.Split(' ')).ToList();
            Assert.All(lines, parts => Assert.Equal(4, parts.Length));
            var mine = lines.Where(p => p[3] is "41" or "99").ToList();
            Assert.Equal([StepTrace.Applied, StepTrace.Published], mine.Select(p => p[2]));
            Assert.All(mine, p => Assert.Equal(Environment.ProcessId.ToString(), p[1]));
            Assert.True(long.Parse(mine[1][0]) >= long.Parse(mine[0][0]));
        }
        finally
        {
            StepTrace.Stop();
            File.Delete(path);
        }
    }

    [Fact]
    public async Task A_run_marks_each_event_of_each_step()
    {
        var fixture = new RunFixture("traced", microBatches: 2, steps: 4);
        string path = Path.Combine(Path.GetTempPath(), $"trace-{Guid.NewGuid():N}");
        try
        {
            StepTrace.Start(path);
            await using var store = await StoreFixture.CreateAsync(StoreKind.Sqlite);
            var (ended, _) = await TrainingSession.RunAsync(fixture.Session(store.Options, fixture.Request(fixture.Steps, minWorkers: 2), 2));
            Assert.True(ended.Success, ended.Summary);
            StepTrace.Stop();

            var marks = File.ReadAllLines(path).Select(l => l.Split(' ')).Select(p => (Event: p[2], Step: long.Parse(p[3]))).ToHashSet();
            string[] perStep = [StepTrace.ParametersReceived, StepTrace.ComputeStarted, StepTrace.GradientReady, StepTrace.GradientReceived,
                StepTrace.ApplyStarted, StepTrace.Applied, StepTrace.Published];
            for (long step = 0; step < fixture.Steps; step++)
                foreach (var e in perStep)
                    Assert.Contains((e, step), marks);
        }
        finally
        {
            StepTrace.Stop();
            File.Delete(path);
        }
    }
}
