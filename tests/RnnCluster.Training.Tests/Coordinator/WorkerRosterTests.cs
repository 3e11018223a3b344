using RnnCluster.Training.Coordinator;

namespace RnnCluster.Training.Tests.Coordinator;

public sealed class WorkerRosterTests
{
    [Fact]
    public void A_restarted_worker_replaces_its_earlier_incarnation_and_live_workers_are_in_id_order()
    {
        var roster = new WorkerRoster<string>();
        Assert.Equal((true, null), roster.Join("ref-1", "w1"));
        Assert.Equal((false, null), roster.Join("ref-1", "w1"));
        Assert.Equal((true, "ref-1"), roster.Join("ref-2", "w1"));
        roster.Join("ref-0", "w0");
        Assert.Empty(roster.Live);
        Assert.True(roster.MarkReady("ref-2"));
        Assert.False(roster.MarkReady("ref-2"));
        roster.MarkReady("ref-0");
        Assert.Equal(["ref-0", "ref-2"], roster.Live);
    }

    [Fact]
    public void Assignments_add_up_and_the_least_loaded_come_first()
    {
        var roster = new WorkerRoster<string>();
        foreach (var w in new[] { "a", "b" })
        {
            roster.Join(w, w);
            roster.MarkReady(w);
        }
        roster.Assign("a", [0, 1]);
        roster.Assign("a", [4]);
        Assert.Equal([0, 1, 4], roster.AssignmentOf("a")!);
        Assert.Equal(["b", "a"], roster.LiveByLoad);
        Assert.Equal(new HashSet<int> { 0, 1, 4 }, roster.Outstanding);
        var (id, held) = roster.Remove("a")!.Value;
        Assert.Equal("a", id);
        Assert.Equal([0, 1, 4], held!);
        Assert.Null(roster.Remove("a"));
    }
}
