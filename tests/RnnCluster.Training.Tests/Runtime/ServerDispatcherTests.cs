using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit.Xunit2;
using RnnCluster.Training.Node;

namespace RnnCluster.Training.Tests.Runtime;

/// <summary>The parameter server's dispatcher runs its actors on one thread of its own, outside the thread pool.</summary>
public sealed class ServerDispatcherTests() : TestKit(ConfigurationFactory.ParseString(RnnClusterHosting.ServerDispatcherHocon))
{
    private sealed record WhereAreYou;

    private sealed record Here(string? ThreadName, bool PoolThread, int ManagedId);

    private sealed class Reporter : ReceiveActor
    {
        public Reporter() => Receive<WhereAreYou>(_ =>
            Sender.Tell(new Here(Thread.CurrentThread.Name, Thread.CurrentThread.IsThreadPoolThread, Environment.CurrentManagedThreadId)));
    }

    [Fact]
    public void Actors_on_the_server_dispatcher_run_on_its_dedicated_thread()
    {
        var first = Sys.ActorOf(Props.Create(() => new Reporter()).WithDispatcher(RnnClusterHosting.ServerDispatcher));
        var second = Sys.ActorOf(Props.Create(() => new Reporter()).WithDispatcher(RnnClusterHosting.ServerDispatcher));
        var answers = new List<Here>();
        for (int i = 0; i < 20; i++)
        {
            first.Tell(new WhereAreYou());
            answers.Add(ExpectMsg<Here>());
            second.Tell(new WhereAreYou());
            answers.Add(ExpectMsg<Here>());
        }
        Assert.All(answers, a => Assert.False(a.PoolThread));
        Assert.All(answers, a => Assert.Equal(RnnClusterHosting.ServerDispatcher, a.ThreadName));
        Assert.Single(answers.Select(a => a.ManagedId).Distinct());
    }

    [Fact]
    public void Default_dispatcher_actors_stay_on_the_thread_pool()
    {
        var actor = Sys.ActorOf(Props.Create(() => new Reporter()));
        actor.Tell(new WhereAreYou());
        Assert.True(ExpectMsg<Here>().PoolThread);
    }
}
