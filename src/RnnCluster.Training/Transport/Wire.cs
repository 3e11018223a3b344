using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using RnnCluster.Training.Messages;

namespace RnnCluster.Training.Transport;

/// <summary>
/// How actors send RnnCluster messages: local recipients and small messages go through Akka as
/// usual; a message bigger than <see cref="BulkThreshold"/> for an actor on another node goes
/// through that node's <see cref="BulkChannel"/>, so no message ever exceeds the remoting frame
/// size or blocks the heartbeats behind it.
/// </summary>
public sealed class Wire : IExtension
{
    public const int BulkThreshold = 64 * 1024;

    private readonly ExtendedActorSystem _system;
    private readonly ILoggingAdapter _log;
    private BulkChannel? _channel;

    public Wire(ExtendedActorSystem system)
    {
        _system = system;
        _log = Logging.GetLogger(system, typeof(Wire));
    }

    public static Wire For(ActorSystem system) => system.WithExtension<Wire, WireProvider>();

    public void UseBulkChannel(BulkChannel channel) => _channel = channel;

    public long BulkMessages => Interlocked.Read(ref _bulkMessages);

    private long _bulkMessages;

    public void Send(IActorRef recipient, IRnnClusterMessage message, IActorRef sender)
    {
        if (_channel is null || recipient is not IInternalActorRef { IsLocal: false })
        {
            recipient.Tell(message, sender);
            return;
        }
        var serializer = _system.Serialization.FindSerializerFor(message);
        var payload = Serialized(serializer, message);
        if (payload.Length <= BulkThreshold)
        {
            recipient.Tell(message, sender);
            return;
        }
        var address = recipient.Path.Address;
        var member = Cluster.Get(_system).State.Members.FirstOrDefault(m => m.Address == address);
        int? port = member is null ? null : BulkRoles.PortOf(member.Roles);
        if (port is null || address.Host is null)
        {
            _log.Warning("No bulk channel known for {0}; sending a {1}-byte {2} through remoting.", address, payload.Length, message.GetType().Name);
            recipient.Tell(message, sender);
            return;
        }
        var header = new BulkHeader(
            recipient.Path.ToSerializationFormat(),
            sender.IsNobody() ? "" : sender.Path.ToSerializationFormatWithAddress(_system.Provider.DefaultAddress),
            serializer.Identifier,
            Akka.Serialization.Serialization.ManifestFor(serializer, message));
        Interlocked.Increment(ref _bulkMessages);
        _channel.Send(address.Host, port.Value, header, payload);
    }

    // The parameter server sends the same parameters message to every worker: serialize it once.
    private sealed record LastSerialized(object Message, byte[] Payload);

    private LastSerialized? _last;

    private byte[] Serialized(Akka.Serialization.Serializer serializer, IRnnClusterMessage message)
    {
        var last = Volatile.Read(ref _last);
        if (last is not null && ReferenceEquals(last.Message, message))
            return last.Payload;
        var payload = serializer.ToBinary(message);
        if (payload.Length > BulkThreshold)
            Volatile.Write(ref _last, new LastSerialized(message, payload));
        return payload;
    }
}

public sealed class WireProvider : ExtensionIdProvider<Wire>
{
    public override Wire CreateExtension(ExtendedActorSystem system) => new(system);
}
