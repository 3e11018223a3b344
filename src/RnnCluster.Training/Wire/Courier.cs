using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using RnnCluster.Training.Node;

namespace RnnCluster.Training.Wire;

/// <summary>
/// How actors send RnnCluster messages: local recipients and small messages go through Akka as
/// usual; a message bigger than <see cref="BulkThreshold"/> for an actor on another node goes
/// through that node's <see cref="BulkChannel"/>, so no message ever exceeds the remoting frame
/// size or blocks the heartbeats behind it.
/// </summary>
public sealed class Courier : IExtension
{
    public const int BulkThreshold = 64 * 1024;

    private readonly ExtendedActorSystem _system;
    private readonly ILoggingAdapter _log;
    private BulkChannel? _channel;

    public Courier(ExtendedActorSystem system)
    {
        _system = system;
        _log = Logging.GetLogger(system, typeof(Courier));
        system.SystemActorOf(TensorReclaimer.Props(), "tensor-reclaimer");
    }

    public static Courier For(ActorSystem system) => system.WithExtension<Courier, CourierProvider>();

    public void UseBulkChannel(BulkChannel channel) => _channel = channel;

    public long BulkMessages => Interlocked.Read(ref _bulkMessages);

    private long _bulkMessages;

    /// <summary>
    /// Sends a message with its tensor blob, whose share the caller gives up: a local receiver gets
    /// the message (and the share) by reference; on the bulk channel the blob's bytes go to the
    /// socket from the blob itself, and the channel gives the share up once written; Akka.Remote,
    /// which serializes later on a thread of its own, gets a detached copy.
    /// </summary>
    public void SendTensor(IActorRef recipient, ITensorMessage message, IActorRef sender) => SendCore(recipient, message, sender, message.Blob);

    public void Send(IActorRef recipient, IRnnClusterMessage message, IActorRef sender) => SendCore(recipient, message, sender, null);

    private void SendCore(IActorRef recipient, IRnnClusterMessage message, IActorRef sender, TensorBlob? blob)
    {
        if (recipient is not IInternalActorRef { IsLocal: false })
        {
            recipient.Tell(message, sender);
            return;
        }
        if (_channel is null)
        {
            TellRemote(recipient, message, sender);
            return;
        }
        var serializer = _system.Serialization.FindSerializerFor(message);
        if (serializer is not MessagePackMessageSerializer)
        {
            TellRemote(recipient, message, sender); // not ours to frame; remoting knows the serializer
            return;
        }
        var payload = new PooledBuffer(_sizeHints.GetValueOrDefault(message.GetType(), 4096));
        int blobOffset = -1;
        if (blob is null)
            MessagePackMessageSerializer.SerializeTo(payload, message);
        else
            blobOffset = TensorBlobFormatter.SerializeLeavingOut(payload, message, blob);
        if (blob is { Length: >= TensorBlobFormatter.MinSplicedBytes } && blobOffset < 0)
            throw new ArgumentException($"{message.GetType().Name} holds no pooled tensor field with the given blob of {blob.Length} bytes.", nameof(blob));
        if (blobOffset < 0 && payload.Length <= BulkThreshold)
        {
            payload.Dispose();
            TellRemote(recipient, message, sender);
            return;
        }
        _sizeHints[message.GetType()] = payload.Length;
        var address = recipient.Path.Address;
        var member = Cluster.Get(_system).State.Members.FirstOrDefault(m => m.Address == address);
        int? port = member is null ? null : BulkRoles.PortOf(member.Roles);
        if (port is null || address.Host is null)
        {
            _log.Warning("No bulk channel known for {0}; sending a {1}-byte {2} through remoting.", address, payload.Length + (blob?.Length ?? 0), message.GetType().Name);
            payload.Dispose();
            TellRemote(recipient, message, sender);
            return;
        }
        var header = new BulkHeader(
            recipient.Path.ToSerializationFormat(),
            sender.IsNobody() ? "" : sender.Path.ToSerializationFormatWithAddress(_system.Provider.DefaultAddress),
            serializer.Identifier,
            Akka.Serialization.Serialization.ManifestFor(serializer, message));
        Interlocked.Increment(ref _bulkMessages);
        if (blobOffset < 0)
            _channel.Send(address.Host, port.Value, header, payload);
        else
            _channel.Send(address.Host, port.Value, header, payload, blob!, blobOffset);
    }

    /// <summary>Through Akka.Remote: a tensor message goes as a detached copy, the caller's share is given up now.</summary>
    private static void TellRemote(IActorRef recipient, IRnnClusterMessage message, IActorRef sender)
    {
        if (message is ITensorMessage { Blob: var blob } tensor)
        {
            message = tensor.WithBlob(TensorBlob.Detached(blob.Array.ToArray()));
            blob.Dispose();
        }
        recipient.Tell(message, sender);
    }

    // The last big size per message type: the next one is serialized into a buffer that fits at once.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Type, int> _sizeHints = new();
}
