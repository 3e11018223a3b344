using RnnCluster.Training.Tests.Support;
using RnnCluster.Training.Wire;
using RnnCluster.Training.Worker;

namespace RnnCluster.Training.Tests.Worker;

/// <summary>A worker's assignments and parameters as plain objects: no actor system, no compute thread.</summary>
public sealed class WorkAgendaTests
{
    private static AssignWork Work(long step) => new("r", step, [0]);

    private static ParametersAvailable Version(long version) => new("r", version, TensorBlob.CopyOf(new byte[4]));

    [Fact]
    public void Sync_work_waits_for_exactly_its_version_and_asks_for_it_once()
    {
        var agenda = new WorkAgenda(sync: true);
        agenda.Enqueue(Work(3));
        Assert.Equal(new AgendaStep.AwaitParameters(3), agenda.Next());
        Assert.Equal(new AgendaStep.AwaitParameters(null), agenda.Next()); // already asked
        Assert.Null(agenda.Receive(Version(3)));
        var compute = Assert.IsType<AgendaStep.Compute>(agenda.Next());
        Assert.Equal(3, compute.Work.Step);
        Assert.True(agenda.Busy);
        agenda.Enqueue(Work(4));
        Assert.Same(AgendaStep.Nothing, agenda.Next()); // one share at a time
        agenda.Done();
        Assert.Equal(new AgendaStep.AwaitParameters(4), agenda.Next());
        agenda.ForgetRequest();
        Assert.Equal(new AgendaStep.AwaitParameters(4), agenda.Next()); // a retry asks again
    }

    [Fact]
    public void A_running_sync_share_is_cancelled_once_its_step_has_been_applied_without_it()
    {
        var agenda = new WorkAgenda(sync: true);
        agenda.Enqueue(Work(3));
        agenda.Next();
        agenda.Receive(Version(3));
        var compute = Assert.IsType<AgendaStep.Compute>(agenda.Next());
        agenda.Receive(Version(3)); // the same version again: the share still counts
        Assert.False(compute.Cancel.Requested);
        agenda.Receive(Version(4)); // step 3 was applied: a backup or a reassignment won
        Assert.True(compute.Cancel.Requested);

        agenda.Done();
        agenda.Enqueue(Work(4));
        var next = Assert.IsType<AgendaStep.Compute>(agenda.Next());
        Assert.False(next.Cancel.Requested);
    }

    [Fact]
    public void An_async_share_is_never_cancelled_by_newer_parameters()
    {
        var agenda = new WorkAgenda(sync: false);
        agenda.Receive(Version(1));
        agenda.Enqueue(Work(9));
        var compute = Assert.IsType<AgendaStep.Compute>(agenda.Next());
        agenda.ReceiveCurrent(Version(7));
        agenda.Receive(Version(8));
        Assert.False(compute.Cancel.Requested);
    }

    [Fact]
    public void Older_parameters_are_given_back_unless_they_answer_the_request_of_a_restarted_server()
    {
        var agenda = new WorkAgenda(sync: true);
        var v5 = Version(5);
        agenda.Receive(v5);
        var v4 = Version(4);
        Assert.Same(v4, agenda.Receive(v4)); // unasked and older: not kept
        agenda.Enqueue(Work(6));
        agenda.Next();                       // asks for 6
        var fromCheckpoint = Version(6);
        Assert.Same(v5, agenda.Receive(fromCheckpoint));
        Assert.Same(fromCheckpoint, agenda.Parameters);
    }

    [Fact]
    public void Work_of_a_step_the_server_is_already_past_is_dropped()
    {
        var agenda = new WorkAgenda(sync: true);
        agenda.Enqueue(Work(2));
        agenda.Next();            // asks for 2
        agenda.Receive(Version(5)); // the answer: the server is at 5, someone else finished step 2
        Assert.Same(AgendaStep.Nothing, agenda.Next()); // step 2 is dropped: nothing left to do
        agenda.Enqueue(Work(5));
        Assert.Equal(5, Assert.IsType<AgendaStep.Compute>(agenda.Next()).Work.Step);
    }

    [Fact]
    public void Async_work_takes_whatever_parameters_there_are()
    {
        var agenda = new WorkAgenda(sync: false);
        agenda.Enqueue(Work(17));
        Assert.IsType<AgendaStep.AwaitParameters>(agenda.Next());
        agenda.ReceiveCurrent(Version(2));
        Assert.IsType<AgendaStep.Compute>(agenda.Next());
    }

    [Fact]
    public void Validation_waits_for_its_version_in_sync_mode_and_takes_newer_parameters_in_async_mode()
    {
        var sync = new EvaluationQueue(async: false);
        sync.Add(new EvaluateRequest("r", 5));
        Assert.Null(sync.Take(7));
        Assert.Null(sync.Wanted(7));
        Assert.Equal(5, sync.Wanted(4));
        Assert.Equal(5, sync.Take(5)!.Version);

        var async = new EvaluationQueue(async: true);
        async.Add(new EvaluateRequest("r", 5));
        async.Add(new EvaluateRequest("r", 6));
        Assert.Equal(6, async.Take(7)!.Version); // the newest request the parameters are past
        Assert.Equal(5, async.Take(7)!.Version);
        Assert.Null(async.Take(7));
    }

    [Fact]
    public void Injected_faults_happen_once()
    {
        var plan = new FaultPlan(new WorkerFaults(CrashAtStep: 3, CorruptAtStep: 3));
        Assert.Equal((false, false), plan.For(2, async: false));
        Assert.Equal((true, true), plan.For(3, async: false));
        Assert.Equal((false, false), plan.For(3, async: false));
        Assert.Equal((false, true), new FaultPlan(new WorkerFaults(CrashAtStep: 3, CorruptAtStep: 3)).For(3, async: true));
    }

    [Fact]
    public void The_process_dies_at_its_step_only()
    {
        var plan = new FaultPlan(new WorkerFaults(DieAtStep: 25));
        Assert.False(plan.DiesAt(24));
        Assert.True(plan.DiesAt(25));
        Assert.False(new FaultPlan(WorkerFaults.None).DiesAt(25));
    }

    [Fact]
    public void A_welcome_with_other_data_or_another_model_than_expected_is_refused_and_the_worker_gives_up()
    {
        var fixture = new RunFixture("welcome");
        Assert.IsType<WelcomeCheck.Accepted>(WelcomeCheck.Judge(fixture.Welcome(), null));
        var tampered = fixture.Welcome() with { TrainTokens = RnnCluster.Training.Wire.IntBytes.From(fixture.Train.Skip(1).ToArray()) };
        var refused = Assert.IsType<WelcomeCheck.Refused>(WelcomeCheck.Judge(tampered, null));
        Assert.True(refused.GiveUp);
        Assert.StartsWith("corpus hash mismatch", refused.Reason, StringComparison.Ordinal);
        var expected = Assert.IsType<WelcomeCheck.Refused>(WelcomeCheck.Judge(fixture.Welcome(), new WorkerExpectations(Hidden: 99)));
        Assert.Contains("hidden 24 vs 99 on this node", expected.Reason);
    }

    [Fact]
    public void Parameters_whose_shard_stopped_are_asked_for_again_even_at_the_version_held()
    {
        var agenda = new WorkAgenda(sync: true);
        agenda.Enqueue(Work(3));
        agenda.Next();
        agenda.Receive(Version(3));
        Assert.IsType<AgendaStep.Compute>(agenda.Next());
        Assert.Equal(4, agenda.Ask(4)); // asked for the next version as the share started
        var held = agenda.Parameters;
        Assert.Same(held, agenda.Forget());
        Assert.Null(agenda.Parameters);
        agenda.Done();
        agenda.Enqueue(Work(3)); // the run resumed from its checkpoint at step 3
        Assert.Equal(new AgendaStep.AwaitParameters(3), agenda.Next());
        held!.Parameters.Dispose();
    }
}
