using Akka.Actor;
using Akka.Event;
using RnnCluster.Training.Messages;
using RnnCluster.Training.Serialization;

namespace RnnCluster.Training.Actors;

/// <summary>
/// The parameter-server singleton: one persistent <see cref="RunStateActor"/> child per run (a
/// persistence id must be known when an actor starts, the run id only arrives with BeginRun).
/// It forwards every run message to its run's child.
/// </summary>
public sealed class ParameterServerActor : ReceiveActor
{
    private readonly bool _roundTrip = ForcedSerialization.IsOn(Context.System);

    protected override bool AroundReceive(Receive receive, object message) =>
        base.AroundReceive(receive, _roundTrip ? ForcedSerialization.RoundTrip(Context.System, message) : message);

    private readonly ILoggingAdapter _log = Context.GetLogger();

    public ParameterServerActor(ParameterServerOptions options)
    {
        Receive<BeginRun>(begin =>
        {
            var child = Context.Child(ChildName(begin.RunId));
            if (child.IsNobody())
                child = Context.ActorOf(RunStateActor.Props(begin.RunId, options).WithDispatcher(options.Dispatcher), ChildName(begin.RunId));
            child.Forward(begin);
        });
        Receive<IRunMessage>(message =>
        {
            var child = Context.Child(ChildName(message.RunId));
            if (child.IsNobody())
                _log.Warning("Parameter server has no run '{0}'; dropping {1} from {2}.", message.RunId, message.GetType().Name, Sender);
            else
                child.Forward(message);
        });
    }

    public static Props Props(ParameterServerOptions options) => Akka.Actor.Props.Create(() => new ParameterServerActor(options));

    private static string ChildName(string runId) => "run-" + Uri.EscapeDataString(runId);
}

/// <summary>How the parameter server stores checkpoints and runs its math.</summary>
/// <param name="Dispatcher">Dispatcher of the run actors: one with its own thread (RnnClusterHosting.ServerDispatcher) keeps the optimizer off the shared thread pool.</param>
/// <param name="LedgerPath">When set, one line per applied step naming every sub-tree and its worker (JSON lines), for audits and tests.</param>
public sealed record ParameterServerOptions(string Dispatcher = "akka.actor.default-dispatcher", TimeSpan? StoreTimeout = null, string? LedgerPath = null)
{
    public TimeSpan Timeout => StoreTimeout ?? TimeSpan.FromSeconds(60);
}
