using RnnCluster.Training.Coordinator;
using RnnCluster.Training.Wire;
using RnnCluster.Training.Tests.Support;

namespace RnnCluster.Training.Tests.Coordinator;

public sealed class StepStatisticsTests
{
    private static readonly CoordinatorSettings Settings = CoordinatorSettings.Default with { WarmUpSteps = 2, ProgressWindow = 3 };

    [Fact]
    public void A_work_done_after_its_step_was_applied_amends_that_step_s_timing()
    {
        var time = new ManualTime();
        var stats = new StepStatistics(Settings, tokensPerStep: 100, updatesPerStep: 1, time);
        stats.SessionStarted(0);
        stats.StepStarted();
        time.Advance(TimeSpan.FromMilliseconds(50));
        stats.StepApplied(0, reduceMs: 1, applyMs: 2);
        stats.WorkDone("w0", step: 0, currentStep: 1, computeMs: 40, waitMs: 3);
        Assert.Equal(new StepTiming(50, 40, 3, 1, 2), stats.Recent);
        Assert.Equal(1, stats.Shares["w0"]);
        stats.WorkDone("w0", step: 7, currentStep: 1, computeMs: 99, waitMs: 0); // neither this step nor the last
        Assert.Equal(1, stats.Shares["w0"]);
    }

    [Fact]
    public void A_straggler_whose_shares_were_overtaken_still_shows_its_compute_time()
    {
        var time = new ManualTime();
        var stats = new StepStatistics(Settings, tokensPerStep: 100, updatesPerStep: 1, time);
        stats.SessionStarted(0);
        stats.StepStarted();
        time.Advance(TimeSpan.FromMilliseconds(20));
        stats.WorkDone("w0", step: 0, currentStep: 0, computeMs: 10, waitMs: 0);
        stats.StepApplied(0, reduceMs: 1, applyMs: 1);
        stats.StepStarted();
        stats.WorkDone("w1", step: 0, currentStep: 1, computeMs: 60, waitMs: 0, abandoned: true); // cut short: time, not work
        stats.WorkDone("w2", step: 0, currentStep: 3, computeMs: 90, waitMs: 0);                  // late but finished
        Assert.Equal(new StepTiming(20, 10, 0, 1, 1), stats.Recent); // neither moves the step's timing
        Assert.Equal(0, stats.Shares["w1"]);
        Assert.Equal(1, stats.Abandoned["w1"]);
        Assert.Equal(1, stats.Shares["w2"]);
        Assert.Equal((60, 60), stats.ComputeTimes["w1"]);
        string end = new RunLength(TargetSteps: 1, TimeBudget: null, TrainingMode.Sync, MicroBatches: 4, Staleness: 0).EndMessage(false, 1, TimeSpan.Zero, stats.Shares, 0, stats.ComputeTimes, 0, stats.Abandoned);
        Assert.Contains("w1=0 (compute median 60.0 ms, p95 60.0) and 1 cut short", end);
    }

    [Fact]
    public void Tokens_per_second_count_from_the_end_of_the_warm_up_and_stop_with_the_training()
    {
        var time = new ManualTime();
        var stats = new StepStatistics(Settings, tokensPerStep: 100, updatesPerStep: 1, time);
        stats.SessionStarted(10);
        stats.Progressed(11);
        Assert.Equal(0, stats.TokensPerSecond(11));
        stats.Progressed(12); // warm-up over
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(100, stats.TokensPerSecond(14));
        stats.Stop();
        time.Advance(TimeSpan.FromSeconds(100));
        Assert.Equal(100, stats.TokensPerSecond(14));
    }

    [Fact]
    public void The_step_deadline_adapts_to_ten_mean_steps_between_the_minimum_and_the_step_timeout()
    {
        var time = new ManualTime();
        var stats = new StepStatistics(Settings, 100, 1, time);
        var limit = TimeSpan.FromSeconds(30);
        Assert.Equal(limit, stats.StepDeadline(limit));
        for (int s = 0; s < 3; s++)
        {
            stats.StepStarted();
            time.Advance(TimeSpan.FromMilliseconds(100));
            stats.StepApplied(s, 0, 0);
        }
        Assert.Equal(TimeSpan.FromSeconds(2), stats.StepDeadline(limit)); // 10 × 100 ms is below the 2 s minimum
        stats.StepStarted();
        time.Advance(TimeSpan.FromSeconds(10));
        stats.StepApplied(3, 0, 0);
        Assert.Equal(TimeSpan.FromSeconds(30), stats.StepDeadline(limit)); // the mean of the last 3 steps × 10 is above the limit
    }
}
