using RnnCluster.Training.Coordinator;
using RnnCluster.Training.Tests.Support;
using RnnCluster.Training.Wire;

namespace RnnCluster.Training.Tests.Coordinator;

/// <summary>The asynchronous step scheduler as a plain object: one micro-batch per worker at a time, numbered u = s·M + m.</summary>
public sealed class AsyncStepSchedulerTests
{
    private readonly WorkerRoster<string> _roster = new();

    private StepScheduler<string> Scheduler(long steps = 3, params string[] ready)
    {
        var fixture = new RunFixture("async-plan", microBatches: 4, mode: TrainingMode.Async, staleness: 1);
        foreach (var worker in ready)
        {
            _roster.Join(worker, worker);
            _roster.MarkReady(worker);
        }
        return StepScheduler<string>.For(fixture.Request(steps), _roster, CoordinatorSettings.Default, new ManualTime());
    }

    [Fact]
    public void Each_ready_worker_holds_one_sequence_and_gets_the_next_when_done()
    {
        var scheduler = Scheduler(ready: ["a", "b"]);
        var first = scheduler.Begin(0, newSession: true);
        Assert.Equal([0L, 1L], first.Assignments.Select(a => a.Step));
        Assert.Equal([1], first.Assignments[1].MicroBatches);
        Assert.Equal(2, scheduler.WorkDone("a", 0, 5, 0).Assignments.Single().Step);
        Assert.Empty(scheduler.WorkerReady("b").Assignments); // b still holds one
    }

    [Fact]
    public void A_lost_worker_s_sequence_goes_to_the_next_idle_worker()
    {
        var scheduler = Scheduler(ready: ["a", "b"]);
        scheduler.Begin(0, newSession: true);
        scheduler.WorkDone("b", 1, 5, 0);           // b now holds sequence 2
        _roster.Remove("a");
        Assert.Empty(scheduler.Lost("a", [0]).Assignments); // nobody idle: sequence 0 waits
        Assert.Equal(0, scheduler.WorkDone("b", 2, 5, 0).Assignments.Single().Step);
    }

    [Fact]
    public void Stale_refusals_are_retried_without_counting_a_micro_batch_refused_three_times_diverges()
    {
        var scheduler = Scheduler(ready: ["a"]);
        scheduler.Begin(0, newSession: true);
        for (int i = 0; i < 5; i++)
            Assert.Null(scheduler.Refused(0, 0, 1, "a", GradientRefusals.Stale + ": computed at version 0").Diverged);
        Assert.Null(scheduler.Refused(4, 0, 1, "a", "NaN").Diverged);
        Assert.Null(scheduler.Refused(8, 0, 1, "a", "NaN").Diverged);
        Assert.Contains("micro-batch 0 was refused 3 times", scheduler.Refused(0, 0, 1, "a", "NaN").Diverged);
    }

    [Fact]
    public void Every_M_updates_make_a_step_and_the_target_finishes_the_run()
    {
        var scheduler = Scheduler(steps: 2, ready: ["a"]);
        scheduler.Begin(0, newSession: true);
        for (long u = 0; u < 3; u++)
            Assert.False(scheduler.Applied(u, 1.5, 0, 1, 0).Progressed);
        Assert.True(scheduler.Applied(3, 1.5, 0, 1, 1).Progressed);
        Assert.Equal(1, scheduler.Step);
        for (long u = 4; u < 7; u++)
            Assert.False(scheduler.Applied(u, 1.5, 0, 1, 0).Finish);
        Assert.True(scheduler.Applied(7, 1.5, 0, 1, 0).Finish);
        Assert.Equal(1, scheduler.MaxStaleness);
        Assert.EndsWith("(max staleness applied 1, bound 1)", scheduler.EndMessage(8));
    }

    [Fact]
    public void A_stop_hands_out_nothing_more_and_ends_with_the_next_applied_update()
    {
        var scheduler = Scheduler(steps: 10, ready: ["a"]);
        scheduler.Begin(0, newSession: true);
        Assert.False(scheduler.Stop().Finish);
        Assert.Empty(scheduler.WorkDone("a", 0, 5, 0).Assignments);
        Assert.True(scheduler.Applied(0, 1.5, 0, 1, 0).Finish);
    }

    [Fact]
    public void A_stop_with_no_update_left_to_apply_ends_when_the_last_worker_gives_its_micro_batch_back()
    {
        var scheduler = Scheduler(steps: 10, ready: ["a", "b"]);
        scheduler.Begin(0, newSession: true);
        Assert.False(scheduler.Stop().Finish);
        Assert.False(scheduler.Refused(0, 0, 1, "a", GradientRefusals.Stale + ": too old").Finish);
        Assert.False(scheduler.WorkDone("a", 0, 5, 0).Finish);  // b still holds one
        _roster.Remove("b");
        Assert.True(scheduler.Lost("b", [1]).Finish);            // nobody holds work, and nothing is handed out after a stop
    }
}
