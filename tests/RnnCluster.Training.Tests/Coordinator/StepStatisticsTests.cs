using RnnCluster.Training.Coordinator;
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
