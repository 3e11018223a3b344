using RnnCluster.Training.ParameterServer;

namespace RnnCluster.Training.Tests.ParameterServer;

/// <summary>Which checkpoint a resumed run loads, as a plain object: the newest, else the one before it, naming each one skipped.</summary>
public sealed class CheckpointRecoveryTests
{
    private static readonly RecordedCheckpoint[] Recorded = [new(10, 2), new(20, 3), new(30, 5)];

    [Fact]
    public void A_corrupt_newest_checkpoint_falls_back_to_the_one_before_and_says_so()
    {
        var recovery = new CheckpointRecovery(Recorded);
        Assert.Equal(5, recovery.First);
        Assert.Equal(3, recovery.After(new LoadAttempt(5, null, null, Found: 5, "checksum mismatch")));
        Assert.Equal("resumed from the checkpoint at step 20, skipping: checkpoint of step 30 is corrupt: checksum mismatch", recovery.Note(20));
    }

    [Fact]
    public void An_unreadable_row_falls_back_and_when_nothing_is_left_the_run_is_refused_with_every_reason()
    {
        var recovery = new CheckpointRecovery(Recorded);
        Assert.Equal(3, recovery.After(new LoadAttempt(5, null, null, 0, "checkpoint row at sequence ≤ 5 is unreadable: bad")));
        Assert.Equal(2, recovery.After(new LoadAttempt(3, null, null, 3, "truncated")));
        Assert.Null(recovery.After(new LoadAttempt(2, null, null, 2, "checksum mismatch")));
        Assert.Equal("no usable checkpoint of run 'r': checkpoint row at sequence ≤ 5 is unreadable: bad; checkpoint of step 20 is corrupt: truncated; " +
                     "checkpoint of step 10 is corrupt: checksum mismatch", recovery.GiveUp("r"));
    }

    [Fact]
    public void Rows_deleted_behind_the_journal_s_back_end_the_search()
    {
        var recovery = new CheckpointRecovery(Recorded);
        Assert.Null(recovery.After(new LoadAttempt(5, null, null, -1, "nothing stored")));
        Assert.Contains("no checkpoint row at or below sequence 5 (deleted?)", recovery.GiveUp("r"));
    }

    [Fact]
    public void A_corrupt_snapshot_found_below_the_one_asked_for_skips_everything_above_it()
    {
        var recovery = new CheckpointRecovery(Recorded);
        // Asked for ≤ 5, the store answered with the row at 3 (5's row was deleted): the next try is below 3.
        Assert.Equal(2, recovery.After(new LoadAttempt(5, null, null, 3, "bad magic")));
        Assert.Null(new CheckpointRecovery([]).First);
    }
}
