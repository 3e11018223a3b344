using Akka.Actor;
using Akka.Event;

namespace RnnCluster.Training.Wire;

/// <summary>
/// What the coordinator, the workers and the node agent share: with --serialize-messages every
/// RnnCluster message they receive is first round-tripped through its serializer
/// (<see cref="ForcedSerialization"/>), and run messages of another run are logged and dropped.
/// </summary>
public abstract class RunActor : ReceiveActor
{
    private readonly bool _roundTrip = ForcedSerialization.IsOn(Context.System);

    protected ILoggingAdapter Log { get; } = Context.GetLogger();

    /// <summary>The run this actor works for; null while it has none (other runs' messages are dropped then too).</summary>
    protected abstract string? RunId { get; }

    protected override bool AroundReceive(Receive receive, object message) =>
        base.AroundReceive(receive, _roundTrip ? ForcedSerialization.RoundTrip(Context.System, message) : message);

    /// <summary>Handles <typeparamref name="T"/> of this actor's run; another run's is logged and dropped.</summary>
    protected void Run<T>(Action<T> handle) where T : IRunMessage => Receive<T>(message =>
    {
        if (RunId is not null && message.RunId == RunId)
            handle(message);
        else
        {
            Log.Warning("{0} ignores {1} of run '{2}' from {3} (its run: '{4}').", Self.Path.Name, typeof(T).Name, message.RunId, Sender, RunId ?? "none");
            (message as ITensorMessage)?.Blob.Dispose();
        }
    });
}
