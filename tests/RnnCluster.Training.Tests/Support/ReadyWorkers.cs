using Akka.Actor;
using Akka.TestKit;
using RnnCluster.Training.Coordinator;
using RnnCluster.Training.Worker;

namespace RnnCluster.Training.Tests.Support;

/// <summary>A worker actor between probes, welcomed into <see cref="RunFixture"/>'s run and ready for work.</summary>
internal static class ReadyWorkers
{
    /// <summary>
    /// A fresh worker registers at once, but its first message is also the test process's first
    /// serialization of that type (serialize-messages is on) while other test classes run beside
    /// it: on a loaded 2-core CI machine that took over the default 3 s once.
    /// </summary>
    public static readonly TimeSpan FirstMessageTimeout = TimeSpan.FromSeconds(20);

    public static (IActorRef Worker, TestProbe Coordinator, TestProbe Server) ReadyWorker(this TestKitBase kit, RunFixture fixture, string workerId = "w0")
    {
        var coordinator = kit.CreateTestProbe();
        var server = kit.CreateTestProbe();
        var worker = kit.Sys.ActorOf(WorkerActor.Props(workerId, coordinator.Ref, server.Ref));
        coordinator.ExpectMsg<RegisterWorker>(ReadyWorkers.FirstMessageTimeout);
        worker.Tell(fixture.Welcome(), coordinator.Ref);
        coordinator.FishForMessage(m => m is WorkerReady, TimeSpan.FromSeconds(20));
        return (worker, coordinator, server);
    }
}
