using RnnCluster.Training.ParameterServer;
using RnnCluster.Training.Tests.Support;

namespace RnnCluster.Training.Tests.ParameterServer;

public sealed class BeginDecisionTests
{
    private readonly RunFixture _fixture = new("begin", microBatches: 2);

    private BeginRun Begin(bool resume, RunFixture? fixture = null) => new("begin", (fixture ?? _fixture).Definition, resume, 10, new CheckpointPolicy(5, 2));

    private RunCreated Created => new("begin", _fixture.Definition, 0);

    [Fact]
    public void A_new_run_is_created_and_an_existing_id_is_refused_naming_its_last_checkpoint()
    {
        var book = new CheckpointBook();
        Assert.IsType<BeginDecision.Create>(BeginDecision.For("begin", null, Begin(false), book));
        book.Record(20, 4);
        var refused = Assert.IsType<BeginDecision.Refuse>(BeginDecision.For("begin", Created, Begin(false), book));
        Assert.Equal("run 'begin' already exists in the store (last checkpoint at step 20); continue it with --resume begin, or choose another --run-id", refused.Reason);
    }

    [Fact]
    public void A_resume_needs_the_run_and_the_same_definition_and_loads_the_newest_checkpoint()
    {
        var book = new CheckpointBook();
        Assert.Contains("there is no run 'begin' to resume", Assert.IsType<BeginDecision.Refuse>(BeginDecision.For("begin", null, Begin(true), book)).Reason);
        Assert.Contains("model differs", Assert.IsType<BeginDecision.Refuse>(
            BeginDecision.For("begin", Created, Begin(true, new RunFixture("begin", microBatches: 2, cell: Core.Model.CellKind.Gru)), book)).Reason);
        Assert.IsType<BeginDecision.StartOver>(BeginDecision.For("begin", Created, Begin(true), book));
        book.Record(5, 2);
        book.Record(10, 3);
        Assert.Equal(3, Assert.IsType<BeginDecision.Load>(BeginDecision.For("begin", Created, Begin(true), book)).First);
    }
}
