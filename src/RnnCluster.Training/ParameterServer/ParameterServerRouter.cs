using Akka.Actor;
using Akka.Event;
using RnnCluster.Training.Wire;

namespace RnnCluster.Training.ParameterServer;

/// <summary>
/// The parameter-server singleton: one persistent <see cref="ParameterServerActor"/> child per run (a
/// persistence id must be known when an actor starts, the run id only arrives with BeginRun).
/// It forwards every run message to its run's child: a <see cref="ShardedRunActor"/> when the run
/// asks for several shards.
/// </summary>
public sealed class ParameterServerRouter : ReceiveActor
{
    private readonly bool _roundTrip = ForcedSerialization.IsOn(Context.System);

    protected override bool AroundReceive(Receive receive, object message) =>
        base.AroundReceive(receive, _roundTrip ? ForcedSerialization.RoundTrip(Context.System, message) : message);

    private readonly ILoggingAdapter _log = Context.GetLogger();

    public ParameterServerRouter(ParameterServerSettings settings)
    {
        Receive<BeginRun>(begin =>
        {
            var child = Context.Child(ChildName(begin.RunId));
            if (child.IsNobody())
                child = Context.ActorOf((begin.Shards > 1 ? ShardedRunActor.Props(begin.RunId, settings) : ParameterServerActor.Props(begin.RunId, settings))
                    .WithDispatcher(settings.Dispatcher), ChildName(begin.RunId));
            child.Forward(begin);
        });
        Receive<IRunMessage>(message =>
        {
            var child = Context.Child(ChildName(message.RunId));
            if (child.IsNobody())
            {
                _log.Warning("Parameter server has no run '{0}'; dropping {1} from {2}.", message.RunId, message.GetType().Name, Sender);
                (message as ITensorMessage)?.Blob.Dispose();
            }
            else
                child.Forward(message);
        });
    }

    public static Props Props(ParameterServerSettings settings) => Akka.Actor.Props.Create(() => new ParameterServerRouter(settings));

    private static string ChildName(string runId) => "run-" + Uri.EscapeDataString(runId);
}
