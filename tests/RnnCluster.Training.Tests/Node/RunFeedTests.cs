using RnnCluster.Training.Coordinator;
using RnnCluster.Training.Node;

namespace RnnCluster.Training.Tests.Node;

/// <summary>The dashboard's feed as a plain object: curves, worker statistics, timeline, readiness, change signals.</summary>
public sealed class RunFeedTests
{
    private static RunProgress Progress(long step, double loss, double? validation = null, string? note = null) =>
        new("run", step, 100, step / 10.0, loss, validation, 1000, 2, null, new StepTiming(10, 6, 1, 1, 1), note, new StepTiming(10, 6, 1, 1, 1), 64);

    [Fact]
    public void Steps_become_curve_points_once_and_notes_do_not()
    {
        var feed = new RunFeed();
        feed.SessionStarted("run");
        Assert.False(feed.Report(Progress(0, double.NaN, note: "new run")));
        Assert.True(feed.Report(Progress(1, 2.0)));
        Assert.False(feed.Report(Progress(1, 2.0, note: "worker w1 ready")));
        Assert.True(feed.Report(Progress(2, 1.5, validation: 1.7)));
        Assert.True(feed.Report(Progress(3, 1.4, validation: 1.7)));
        var snapshot = feed.Snapshot();
        Assert.Equal([new LossPoint(1, 2.0), new LossPoint(2, 1.5), new LossPoint(3, 1.4)], snapshot.Train);
        Assert.Equal([new LossPoint(2, 1.7)], snapshot.Validation);
        Assert.Equal("running", snapshot.State);
        Assert.Equal(3, snapshot.Timeline.Count);
        Assert.Equal(2, snapshot.Timeline[0].TransferMs); // the step's rest: 10 - 6 - 1 - 1
        Assert.Equal([new LossPoint(3, 1.4)], feed.Snapshot(trainFrom: 2).Train);
        Assert.Equal(97 * 10 / 1000.0, snapshot.Progress!.EtaSeconds);
    }

    [Fact]
    public void Workers_keep_shares_percentiles_and_faults()
    {
        var feed = new RunFeed();
        for (int i = 1; i <= 100; i++)
            feed.WorkDone(new WorkDone("run", i, "w0", i, 0));
        feed.Notice(new WorkerNotice("run", "w1", WorkerNoticeKind.Ready, 0));
        feed.Notice(new WorkerNotice("run", "w1", WorkerNoticeKind.Backup, 5));
        feed.Notice(new WorkerNotice("run", "w1", WorkerNoticeKind.Refused, 6, "NaN"));
        feed.Notice(new WorkerNotice("run", "w1", WorkerNoticeKind.Lost, 7, "terminated"));
        var workers = feed.Snapshot().Workers;
        Assert.Equal(new WorkerView("w0", "ready", 100, 50, 95, 100, 0, 0, 0, null), workers[0]);
        Assert.Equal(new WorkerView("w1", "lost", 0, null, null, null, 1, 1, 1, "lost at step 7: terminated"), workers[1]);
    }

    [Fact]
    public void Ready_needs_an_up_member_and_on_the_coordinator_a_run_under_way()
    {
        var feed = new RunFeed();
        Assert.True(feed.SystemAlive);
        Assert.False(feed.Ready);
        feed.SessionStarted("run");
        feed.MembersChanged([new MemberView("akka.tcp://rnncluster@127.0.0.1:1", ["coordinator"], "Up", true, null, true)], selfUp: true);
        Assert.False(feed.Ready); // offered, not accepted yet
        feed.Report(Progress(0, double.NaN, note: "step 0 waits for workers"));
        Assert.True(feed.Ready);
        Assert.NotNull(feed.Snapshot().Members[0].UpSince);
        feed.Ended(new RunOutcome("run", false, 3, 0, 1, null, "diverged"));
        Assert.False(feed.Ready);
        feed.SessionStopped();
        Assert.False(feed.SystemAlive);

        var worker = new RunFeed();
        worker.SessionStarted(null);
        worker.MembersChanged([], selfUp: true);
        Assert.True(worker.Ready);
    }

    [Fact]
    public async Task A_waiter_wakes_at_the_next_report()
    {
        var feed = new RunFeed();
        long version = feed.Version;
        var waiting = feed.WaitForChangeAsync(version, CancellationToken.None);
        Assert.False(waiting.IsCompleted);
        feed.Report(Progress(1, 2.0));
        await waiting.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(feed.WaitForChangeAsync(version, CancellationToken.None).IsCompleted);
    }
}
