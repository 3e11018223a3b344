using Akka.Actor;
using Akka.Event;

namespace RnnCluster.Training.Wire;

/// <summary>
/// Gives back the tensor blobs of messages nobody received: sent to an actor that had stopped
/// (dead letters), dropped, or not handled in the state their receiver was in. Without it each
/// such message would keep its blob outstanding for the life of the process. One per actor system,
/// started with the <see cref="Courier"/>.
/// </summary>
public sealed class TensorReclaimer : ReceiveActor
{
    public TensorReclaimer()
    {
        Receive<DeadLetter>(d => Reclaim(d.Message));
        Receive<Dropped>(d => Reclaim(d.Message));
        Receive<UnhandledMessage>(u => Reclaim(u.Message));
    }

    public static Props Props() => Akka.Actor.Props.Create(() => new TensorReclaimer());

    protected override void PreStart()
    {
        foreach (var type in new[] { typeof(DeadLetter), typeof(Dropped), typeof(UnhandledMessage) })
            Context.System.EventStream.Subscribe(Self, type);
    }

    // A message that was round-tripped gave its own share up already: its copy's share is the one left.
    private static void Reclaim(object message) => (ForcedSerialization.Owned(message) as ITensorMessage)?.Blob.Dispose();
}
