using Akka.Actor;
using Akka.Event;
using RnnCluster.Training.Runtime;

namespace RnnCluster.Training.Worker;

/// <summary>Parent of the worker actors of a process: a crashed worker stops (its work is reassigned), it is not restarted in place.</summary>
public sealed class WorkerSupervisor : ReceiveActor
{
    private int _alive;
    private string? _lastReason;
    private bool _finished;

    /// <param name="allStopped">Called with the last reason given when every worker has stopped (a worker-only node then has nothing left to do).</param>
    /// <param name="pinComputeThreads">Bind worker i's compute thread to the process's i-th CPU, modulo their count (see <see cref="CpuAffinity"/>).</param>
    public WorkerSupervisor(IReadOnlyList<(string Id, WorkerFaults Faults)> workers, IActorRef coordinator, IActorRef parameterServer, Action<string?>? allStopped,
        bool pinComputeThreads = false, WorkerSettings? settings = null)
    {
        for (int i = 0; i < workers.Count; i++)
        {
            Context.Watch(Context.ActorOf(WorkerActor.Props(workers[i].Id, coordinator, parameterServer, workers[i].Faults, pinComputeThreads ? i : -1, settings), $"worker-{i}"));
        }
        _alive = workers.Count;
        Receive<WorkerGaveUp>(m => _lastReason = m.Reason);
        Receive<WorkerFinished>(_ => _finished = true);
        Receive<Terminated>(_ =>
        {
            // Workers stopping because the run ended is the normal end: the node agent reports it.
            if (--_alive == 0 && !_finished)
                allStopped?.Invoke(_lastReason);
        });
    }

    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(_ => Directive.Stop);

    public static Props Props(IReadOnlyList<(string Id, WorkerFaults Faults)> workers, IActorRef coordinator, IActorRef parameterServer, Action<string?>? allStopped = null,
        bool pinComputeThreads = false, WorkerSettings? settings = null) =>
        Akka.Actor.Props.Create(() => new WorkerSupervisor(workers, coordinator, parameterServer, allStopped, pinComputeThreads, settings));
}
