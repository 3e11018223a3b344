using RnnCluster.Training.ParameterServer;

namespace RnnCluster.Training.Tests.ParameterServer;

/// <summary>Retention as a plain object: an old checkpoint goes only once a newer one is confirmed stored.</summary>
public sealed class CheckpointBookTests
{
    [Fact]
    public void The_newest_keep_confirmed_checkpoints_stay_and_older_ones_go_only_after_a_newer_one_is_confirmed()
    {
        var book = new CheckpointBook { Keep = 2 };
        for (long step = 10, seq = 2; step <= 30; step += 10, seq++)
        {
            book.StartSaving(step);
            book.Record(step, seq);
        }
        Assert.Empty(book.Confirm(2).Delete);
        Assert.Empty(book.Confirm(3).Delete);
        Assert.Equal(20, book.LatestConfirmed);
        var (step30, delete) = book.Confirm(4);
        Assert.Equal(30, step30);
        Assert.Equal([2L], delete);      // step 10 goes only now that step 30 is stored
        Assert.Null(book.Saving);
    }

    [Fact]
    public void A_state_saved_or_being_saved_needs_no_second_checkpoint_a_failed_save_does()
    {
        var book = new CheckpointBook();
        Assert.True(book.NeedsSave(5));
        book.StartSaving(5);
        Assert.False(book.NeedsSave(5));
        book.SaveFailed();
        Assert.True(book.NeedsSave(5));
        book.StartSaving(5);
        book.Record(5, 7);
        book.Confirm(7);
        Assert.False(book.NeedsSave(5));
        Assert.True(book.NeedsSave(6));
        Assert.Equal("last checkpoint at step 5", book.Describe());
        Assert.Equal("no checkpoint yet", new CheckpointBook().Describe());
    }

    [Fact]
    public void Keep_one_still_keeps_the_newest()
    {
        var book = new CheckpointBook { Keep = 0 };
        book.Record(1, 1);
        book.Record(2, 2);
        Assert.Empty(book.Confirm(1).Delete);
        Assert.Equal([1L], book.Confirm(2).Delete);
    }

    [Fact]
    public void After_recovery_the_loaded_checkpoint_and_older_ones_count_as_stored()
    {
        var book = new CheckpointBook { Keep = 2 };
        book.Record(10, 2);
        book.Record(20, 3);
        book.Record(30, 4); // corrupt: recovery fell back to step 20
        book.ConfirmRecovered(3);
        Assert.Equal(20, book.LatestConfirmed);
        book.Record(40, 5);
        Assert.Equal([2L], book.Confirm(5).Delete);
    }
}
