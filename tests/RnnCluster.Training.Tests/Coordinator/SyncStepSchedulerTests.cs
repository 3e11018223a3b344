using RnnCluster.Training.Coordinator;
using RnnCluster.Training.Tests.Support;
using RnnCluster.Training.Wire;

namespace RnnCluster.Training.Tests.Coordinator;

/// <summary>The synchronous step scheduler as a plain object: workers are strings, time is moved by hand, no actor system.</summary>
public sealed class SyncStepSchedulerTests
{
    private readonly WorkerRoster<string> _roster = new();
    private readonly ManualTime _time = new();

    private StepScheduler<string> Scheduler(int microBatches = 8, long steps = 5, int minWorkers = 1, int validateEvery = 0, bool backups = true, params string[] ready)
    {
        var fixture = new RunFixture("sync-plan", microBatches: microBatches);
        var request = fixture.Request(steps, minWorkers: minWorkers) with { ValidateEvery = validateEvery, BackupTasks = backups };
        foreach (var worker in ready)
            Ready(worker);
        return StepScheduler<string>.For(request, _roster, CoordinatorSettings.Default, _time);
    }

    private void Ready(string worker)
    {
        _roster.Join(worker, worker);
        _roster.MarkReady(worker);
    }

    private static Dictionary<string, int[]> Shares(StepPlan<string> plan) => plan.Assignments.ToDictionary(a => a.Worker, a => a.MicroBatches);

    [Fact]
    public void A_step_is_split_into_contiguous_shares_in_worker_id_order()
    {
        var plan = Scheduler(8, ready: ["c", "a", "b"]).Begin(0, newSession: true);
        Assert.Equal([0, 1], Shares(plan)["a"]);
        Assert.Equal([2, 3, 4], Shares(plan)["b"]);
        Assert.Equal([5, 6, 7], Shares(plan)["c"]);
        Assert.All(plan.Assignments, a => Assert.Equal(0, a.Step));
        Assert.NotNull(plan.Deadline);
    }

    [Fact]
    public void More_workers_than_micro_batches_leave_the_last_ones_idle()
    {
        var plan = Scheduler(2, ready: ["a", "b", "c"]).Begin(0, newSession: true);
        Assert.Equal(["a", "b"], plan.Assignments.Select(a => a.Worker));
    }

    [Fact]
    public void The_first_step_waits_for_min_workers_and_later_steps_go_on_with_fewer()
    {
        var scheduler = Scheduler(4, minWorkers: 2, ready: ["a"]);
        var waiting = scheduler.Begin(0, newSession: true);
        Assert.Empty(waiting.Assignments);
        Assert.Contains("waits for workers (1 ready, 2 needed)", waiting.Note);

        Ready("b");
        Assert.Equal(["a", "b"], scheduler.WorkerReady("b").Assignments.Select(a => a.Worker));
        Assert.True(_roster.Remove("b") is not null);
        scheduler.WorkDone("a", 0, 10, 0);
        var next = scheduler.Applied(0, 1.5, 1, 1, 0);
        Assert.Equal([0, 1, 2, 3], Shares(next)["a"]);
        Assert.True(next.Progressed);
    }

    [Fact]
    public void A_step_stays_in_flight_until_applied_even_when_every_worker_is_done()
    {
        var scheduler = Scheduler(4, ready: ["a"]);
        scheduler.Begin(0, newSession: true);
        scheduler.WorkDone("a", 0, 10, 0);
        Ready("b"); // between WorkDone and StepApplied: nothing new starts, the server is asked what is missing
        var plan = scheduler.WorkerReady("b");
        Assert.Empty(plan.Assignments);
        Assert.True(plan.QueryMissing);
        Assert.Equal(1, scheduler.Applied(0, 1.5, 1, 1, 0).Assignments[0].Step);
    }

    [Fact]
    public void A_lost_worker_s_share_is_reassigned_over_the_live_workers_idle_first_in_contiguous_pieces()
    {
        var scheduler = Scheduler(8, backups: false, ready: ["a", "b", "c"]); // with backups c would already copy b
        scheduler.Begin(0, newSession: true);
        scheduler.WorkDone("c", 0, 10, 0); // c is idle; a still holds [0,1]
        var held = _roster.Remove("b")!.Value.Assignment;
        Assert.True(scheduler.Lost("b", held).QueryMissing);

        var plan = scheduler.Missing(0, [0, 1, 2, 3, 4]); // a's share is outstanding, b's is orphaned
        Assert.Equal(["c", "a"], plan.Assignments.Select(a => a.Worker));
        Assert.Equal([2], Shares(plan)["c"]);
        Assert.Equal([3, 4], Shares(plan)["a"]);
        Assert.Equal([0, 1, 3, 4], _roster.AssignmentOf("a")!);
        Assert.Contains("micro-batches [2] reassigned to c", plan.Note);
        Assert.False(scheduler.Lost("c", null).QueryMissing); // a worker that held nothing changes nothing
    }

    [Fact]
    public void Missing_micro_batches_with_no_live_worker_wait_and_go_to_the_next_ready_worker()
    {
        var scheduler = Scheduler(4, ready: ["a"]);
        scheduler.Begin(0, newSession: true);
        _roster.Remove("a");
        var plan = scheduler.Missing(0, [0, 1, 2, 3]);
        Assert.Empty(plan.Assignments);
        Assert.Contains("wait for a worker", plan.Note);
        Ready("b");
        Assert.True(scheduler.WorkerReady("b").QueryMissing);
        Assert.Equal([0, 1, 2, 3], scheduler.Missing(0, [0, 1, 2, 3]).Assignments.Single().MicroBatches);
        Assert.Empty(scheduler.Missing(3, [0]).Assignments); // another step's answer changes nothing
    }

    [Fact]
    public void A_stop_during_a_step_in_flight_ends_the_run_after_that_step_and_hands_out_no_other()
    {
        var scheduler = Scheduler(2, steps: 10, ready: ["a"]);
        scheduler.Begin(0, newSession: true);
        Assert.False(scheduler.Stop().Finish); // the step is in flight
        scheduler.WorkDone("a", 0, 10, 0);
        Assert.False(scheduler.Stop().Finish); // done by the worker, not yet applied
        var after = scheduler.Applied(0, 1.5, 1, 1, 0);
        Assert.True(after.Finish);
        Assert.Empty(after.Assignments);
        Assert.StartsWith("stopped at step 1", scheduler.EndMessage(1), StringComparison.Ordinal);
    }

    [Fact]
    public void A_stop_with_nothing_in_flight_ends_the_run_at_once()
    {
        var scheduler = Scheduler(2, minWorkers: 2, ready: ["a"]);
        scheduler.Begin(0, newSession: true); // waits for a second worker
        Assert.True(scheduler.Stop().Finish);
    }

    [Fact]
    public void The_target_step_finishes_the_run_and_periodic_validation_follows_validate_every()
    {
        var scheduler = Scheduler(1, steps: 4, validateEvery: 2, ready: ["a"]);
        scheduler.Begin(0, newSession: true);
        Assert.False(scheduler.Applied(0, 1.5, 1, 1, 0).Validate);
        var second = scheduler.Applied(1, 1.5, 1, 1, 0);
        Assert.True(second.Validate);
        Assert.Equal(2, second.Assignments.Single().Step);
        scheduler.Applied(2, 1.5, 1, 1, 0);
        var last = scheduler.Applied(3, 1.5, 1, 1, 0);
        Assert.True(last.Finish && last.Progressed);
        Assert.False(last.Validate); // the final validation comes with Finish
        Assert.Equal("finished at step 4", scheduler.EndMessage(4));
    }

    [Fact]
    public void A_missed_deadline_releases_every_share_and_asks_what_is_missing_a_stale_one_is_ignored()
    {
        var scheduler = Scheduler(4, ready: ["a", "b"]);
        scheduler.Begin(0, newSession: true);
        var plan = scheduler.DeadlinePassed(0);
        Assert.True(plan.QueryMissing);
        Assert.NotNull(plan.Deadline);
        Assert.False(_roster.AnyAssigned);
        Assert.Equal(2, scheduler.Missing(0, [0, 1, 2, 3]).Assignments.Count);
        Assert.Same(StepPlan<string>.Nothing, scheduler.DeadlinePassed(7));
    }

    [Fact]
    public void Refusals_duplicates_are_ignored_bad_gradients_are_recomputed_until_the_same_micro_batch_failed_three_times()
    {
        var scheduler = Scheduler(4, ready: ["a"]);
        scheduler.Begin(0, newSession: true);
        Assert.Same(StepPlan<string>.Nothing, scheduler.Refused(0, 0, 4, "a", GradientRefusals.Overlap + " [0,4)"));
        Assert.Same(StepPlan<string>.Nothing, scheduler.Refused(5, 0, 4, "a", "NaN"));
        Assert.True(scheduler.Refused(0, 0, 2, "a", "the gradient holds NaN").QueryMissing);
        Assert.False(_roster.AnyAssigned);
        Assert.Null(scheduler.Refused(0, 1, 2, "a", "the gradient holds NaN").Diverged);
        var verdict = scheduler.Refused(0, 1, 2, "a", "the gradient holds NaN");
        Assert.Contains("micro-batch 1 was refused 3 times", verdict.Diverged);
    }

    [Fact]
    public void After_losing_the_server_the_run_restarts_from_the_step_it_reports()
    {
        var scheduler = Scheduler(2, ready: ["a"]);
        scheduler.Begin(0, newSession: true);
        scheduler.Applied(0, 1.5, 1, 1, 0);
        scheduler.Abandon();
        Assert.False(_roster.AnyAssigned);
        var plan = scheduler.Begin(1, newSession: false); // the restarted server resumed from its checkpoint of step 1
        Assert.Equal(1, plan.Assignments.Single().Step);
        Assert.Equal(1, scheduler.Step);
    }

    [Fact]
    public void A_worker_done_early_copies_the_share_expected_to_finish_last()
    {
        var scheduler = Scheduler(8, ready: ["a", "b", "c"]);
        scheduler.Begin(0, newSession: true); // a [0,1], b [2,3,4], c [5,6,7]
        var backup = scheduler.WorkDone("a", 0, 10, 0);
        // b and c hold three micro-batches each; with no times known yet, id order picks b.
        Assert.Equal([0], backup.Assignments.Select(x => x.Step));
        Assert.Equal("a", backup.Assignments[0].Worker);
        Assert.Equal([2, 3, 4], backup.Assignments[0].MicroBatches);
        Assert.Contains("backed up by a", backup.Note);
        Assert.True(backup.Reassigned);

        // c finishes: b's share has its copy already, and nothing else is outstanding but copies.
        Assert.Empty(scheduler.WorkDone("c", 0, 30, 0).Assignments);
        // The copy wins the race: counted once, whatever b does later.
        Assert.Empty(scheduler.WorkDone("a", 0, 30, 0).Assignments);
        Assert.Equal(1, scheduler.Statistics.BackupsWon);
        scheduler.WorkDone("b", 0, 90, 0);
        Assert.Equal(1, scheduler.Statistics.BackupsWon);
        Assert.Contains("backup tasks won 1", scheduler.EndMessage(1));
    }

    [Fact]
    public void Measured_speeds_size_the_next_shares_and_a_backup_copies_the_latest_expected_one()
    {
        var scheduler = Scheduler(6, steps: 3, ready: ["a", "b", "c"]);
        scheduler.Begin(0, newSession: true); // speeds unknown: two micro-batches each
        scheduler.WorkDone("a", 0, 10, 0);    // 5 ms per micro-batch; a copies b (id order)
        scheduler.WorkDone("b", 0, 20, 0);    // 10
        scheduler.WorkDone("c", 0, 90, 0);    // 45: the straggler
        var next = scheduler.Applied(0, 1.0, 1, 1, 0);
        // Speeds 1/5, 1/10, 1/45 of 6 micro-batches: 3.7, 1.9, 0.4 → a [0..3], b [4], c [5] (at least one each).
        Assert.Equal([0, 1, 2, 3], Shares(next)["a"]);
        Assert.Equal([4], Shares(next)["b"]);
        Assert.Equal([5], Shares(next)["c"]);
        var backup = scheduler.WorkDone("a", 1, 20, 0); // c's share is expected last: 45 ms against b's 10
        Assert.Equal("a", backup.Assignments[0].Worker);
        Assert.Equal([5], backup.Assignments[0].MicroBatches);
    }

    [Fact]
    public void Without_backup_tasks_an_idle_worker_waits()
    {
        var scheduler = Scheduler(8, backups: false, ready: ["a", "b"]);
        scheduler.Begin(0, newSession: true);
        Assert.Same(StepPlan<string>.Nothing, scheduler.WorkDone("a", 0, 10, 0));
        Assert.Equal(0, scheduler.Statistics.BackupsWon);
    }

    [Fact]
    public void The_summary_names_each_workers_compute_median_and_p95()
    {
        var scheduler = Scheduler(2, steps: 3, backups: false, ready: ["a"]);
        scheduler.Begin(0, newSession: true);
        for (int step = 0; step < 3; step++)
        {
            scheduler.WorkDone("a", step, 10 * (step + 1), 0);
            scheduler.Applied(step, 1.0, 1, 1, 0);
        }
        Assert.Contains("a=3 (compute median 20.0 ms, p95 30.0)", scheduler.EndMessage(3));
    }

    [Fact]
    public void A_share_cut_short_counts_only_in_the_workers_times()
    {
        var scheduler = Scheduler(2, steps: 3, ready: ["a", "b"]);
        scheduler.Begin(0, newSession: true);
        scheduler.WorkDone("a", 0, 10, 0);                        // a backs up b's share, and wins
        scheduler.Applied(0, 1.0, 1, 1, 0);                       // step 1 goes to a and b
        var plan = scheduler.WorkDone("b", 0, 70, 0, abandoned: true);
        Assert.Same(StepPlan<string>.Nothing, plan);
        Assert.NotNull(_roster.AssignmentOf("b"));                // still holds its share of step 1
        Assert.Equal(0, scheduler.Statistics.Shares["b"]);
        Assert.Contains("b=0 (compute median 70.0 ms, p95 70.0) and 1 cut short", scheduler.EndMessage(1));
    }
}
