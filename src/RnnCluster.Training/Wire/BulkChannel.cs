using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Event;
using RnnCluster.Training.Runtime;

namespace RnnCluster.Training.Wire;

/// <summary>
/// A node's dedicated TCP channel for big messages (parameters, gradients, corpora). Akka.Remote
/// shares one connection per peer with the heartbeats and drops anything above its frame size;
/// here each peer gets a second connection that carries only bulk frames, written by its own
/// thread through a bounded queue (back-pressure instead of unbounded buffering), so a 40 MB
/// transfer neither hits the frame limit nor delays a heartbeat. Receivers deliver each frame
/// to the named local actor with the named sender, exactly as remoting would.
/// </summary>
public sealed class BulkChannel : IDisposable
{
    private const int QueueFrames = 16;
    private const int SocketBuffer = 4 * 1024 * 1024;

    private readonly TcpListener _listener;
    private readonly ConcurrentDictionary<string, Outgoing> _outgoing = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly ClusterCredential? _credential;
    private ExtendedActorSystem? _system;
    private ILoggingAdapter? _log;

    /// <param name="port">0 = any free port (it is advertised to the other nodes either way).</param>
    /// <param name="credential">When set, every connection is mutually authenticated TLS with the cluster's certificate.</param>
    public BulkChannel(string host, int port = 0, ClusterCredential? credential = null)
    {
        _credential = credential;
        _listener = new TcpListener(BindAddress(host), port);
        _listener.Server.ReceiveBufferSize = SocketBuffer;
        _listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true); // a restart on this port while the dead process's connections linger
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
    }

    public int Port { get; }

    /// <summary>The cluster role that advertises this node's bulk port to the others.</summary>
    public string Role => BulkRoles.For(Port);

    public long BytesSent => _outgoing.Values.Sum(o => o.BytesSent);

    /// <summary>Starts accepting once the actor system exists (deliveries need it).</summary>
    public void Attach(ActorSystem system)
    {
        _system = (ExtendedActorSystem)system;
        _log = Logging.GetLogger(system, typeof(BulkChannel));
        new Thread(AcceptLoop) { IsBackground = true, Name = "bulk-accept" }.Start();
    }

    /// <summary>Queues a serialized message for the header's recipient on node host:port; blocks when the peer's queue is full.</summary>
    public void Send(string host, int port, BulkHeader header, byte[] payload) =>
        Enqueue(host, port, new Frame(BulkFrame.EncodePrefix(header, payload.Length), payload, payload.Length, null));

    /// <summary>As <see cref="Send(string, int, BulkHeader, byte[])"/>; the channel owns <paramref name="payload"/> and returns it to its pool once written.</summary>
    public void Send(string host, int port, BulkHeader header, PooledBuffer payload) =>
        Enqueue(host, port, new Frame(BulkFrame.EncodePrefix(header, payload.Length), payload.Array, payload.Length, payload));

    /// <summary>
    /// As <see cref="Send(string, int, BulkHeader, PooledBuffer)"/> for a message serialized without
    /// its tensor blob (<see cref="TensorBlobFormatter.SerializeLeavingOut"/>): the blob's
    /// bytes are written from <paramref name="blob"/> itself at <paramref name="blobOffset"/>. The
    /// channel owns a share of the blob too and gives it up once written.
    /// </summary>
    public void Send(string host, int port, BulkHeader header, PooledBuffer payload, TensorBlob blob, int blobOffset)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(blobOffset);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(blobOffset, payload.Length);
        var spliced = header with { BlobOffset = blobOffset, BlobLength = blob.Length };
        Enqueue(host, port, new Frame(BulkFrame.EncodePrefix(spliced, checked(payload.Length + blob.Length)), payload.Array, payload.Length, payload, blob, blobOffset));
    }

    private void Enqueue(string host, int port, Frame frame)
    {
        var outgoing = _outgoing.GetOrAdd($"{host}:{port}", _ => new Outgoing(host, port, this));
        outgoing.Enqueue(frame);
    }

    private readonly record struct Frame(byte[] Prefix, byte[] Payload, int Length, PooledBuffer? Lease, TensorBlob? Blob = null, int BlobOffset = 0)
    {
        public void Write(Stream stream)
        {
            stream.Write(Prefix);
            if (Blob is null)
            {
                stream.Write(Payload, 0, Length);
                return;
            }
            stream.Write(Payload, 0, BlobOffset);
            stream.Write(Blob.Array);
            stream.Write(Payload, BlobOffset, Length - BlobOffset);
        }

        public long Bytes => Prefix.Length + Length + (Blob?.Length ?? 0);

        /// <summary>Gives the pooled arrays back: after the write, or when the frame is dropped.</summary>
        public void Release()
        {
            Lease?.Dispose();
            Blob?.Dispose();
        }
    }

    private void AcceptLoop()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = _listener.AcceptSocket();
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException e)
            {
                _log?.Warning("Bulk channel: accept failed: {0}", e.Message);
                continue;
            }
            socket.NoDelay = true;
            socket.ReceiveBufferSize = SocketBuffer;
            new Thread(() => ReadLoop(socket)) { IsBackground = true, Name = "bulk-read" }.Start();
        }
    }

    private void ReadLoop(Socket socket)
    {
        var remote = socket.RemoteEndPoint;
        Stream stream = new NetworkStream(socket, ownsSocket: true);
        try
        {
            if (_credential is not null)
            {
                var tls = new SslStream(stream, leaveInnerStreamOpen: false);
                stream = tls;
                tls.AuthenticateAsServer(_credential.ServerOptions());
            }
            // One buffer per connection: a payload lives only until it is deserialized (which copies).
            byte[] buffer = [];
            while (!_stop.IsCancellationRequested)
            {
                var frame = BulkFrame.ReadInto(stream, ref buffer);
                if (frame is null)
                    return;
                Node.RnnClusterMetrics.Bulk("received", frame.Value.PayloadLength + (frame.Value.Blob?.Length ?? 0));
                Deliver(frame.Value.Header, buffer.AsMemory(0, frame.Value.PayloadLength), frame.Value.Blob);
            }
        }
        catch (System.Security.Authentication.AuthenticationException e)
        {
            _log?.Warning("Bulk channel: refused a connection from {0} without the cluster's certificate: {1}", remote, e.Message);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or SocketException or MessagePack.MessagePackSerializationException)
        {
            if (!_stop.IsCancellationRequested)
                _log?.Warning("Bulk channel: connection from {0} closed: {1}", remote, e.Message);
        }
        finally
        {
            stream.Dispose();
        }
    }

    private void Deliver(BulkHeader header, Memory<byte> payload, TensorBlob? blob)
    {
        var system = _system!;
        object message;
        try
        {
            // Akka's Deserialize takes an exact byte[], i.e. a copy of the reused buffer; our own
            // serializer reads the slice in place (its blob fields copy out what they keep, or
            // take the blob the frame carried separately).
            bool ours = header.SerializerId == MessagePackMessageSerializer.SerializerId;
            if (blob is not null && !ours)
                throw new InvalidDataException("only RnnCluster messages carry a spliced blob");
            if (blob is not null)
                message = TensorBlobFormatter.DeserializeWithBlob(payload, header.BlobOffset, blob, header.Manifest);
            else if (ours)
                message = MessagePackMessageSerializer.Deserialize(payload, header.Manifest);
            else
                message = system.Serialization.Deserialize(payload.ToArray(), header.SerializerId, header.Manifest);
        }
        catch (Exception e)
        {
            blob?.Dispose();
            _log?.Warning("Bulk channel: dropped a '{0}' message for {1}: {2}", header.Manifest, header.Recipient, e.Message);
            return;
        }
        var recipient = system.Provider.ResolveActorRef(header.Recipient);
        var sender = header.Sender.Length == 0 ? ActorRefs.NoSender : system.Provider.ResolveActorRef(header.Sender);
        recipient.Tell(message, sender);
    }

    private void Dropped(string peer, int frames, Exception cause) =>
        _log?.Warning("Bulk channel: lost the connection to {0} ({1}); {2} queued message(s) dropped — the protocol re-requests what is missing.", peer, cause.Message, frames);

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        foreach (var outgoing in _outgoing.Values)
            outgoing.Dispose();
    }

    /// <summary>The address a listener on <paramref name="host"/> binds: "0.0.0.0" or "*" for every interface.</summary>
    public static IPAddress BindAddress(string host) =>
        host is "0.0.0.0" or "*" ? IPAddress.Any
        : IPAddress.TryParse(host, out var ip) ? ip
        : Dns.GetHostAddresses(host).First(a => a.AddressFamily == AddressFamily.InterNetwork);

    /// <summary>One peer: a connection opened on first use and a writer thread draining a bounded queue.</summary>
    private sealed class Outgoing : IDisposable
    {
        private readonly QuietQueue<Frame> _queue = new(QueueFrames);
        private readonly string _host;
        private readonly int _port;
        private readonly BulkChannel _owner;
        private long _bytesSent;

        public Outgoing(string host, int port, BulkChannel owner)
        {
            _host = host;
            _port = port;
            _owner = owner;
            new Thread(WriteLoop) { IsBackground = true, Name = $"bulk-write-{host}:{port}" }.Start();
        }

        public long BytesSent => Interlocked.Read(ref _bytesSent);

        public void Enqueue(Frame frame) => _queue.Add(frame);

        private void WriteLoop()
        {
            Stream? stream = null;
            try
            {
                foreach (var frame in _queue.GetConsumingEnumerable())
                {
                    try
                    {
                        stream ??= Connect();
                        frame.Write(stream);
                        Interlocked.Add(ref _bytesSent, frame.Bytes);
                        Node.RnnClusterMetrics.Bulk("sent", frame.Bytes);
                    }
                    catch (Exception e) when (e is IOException or SocketException or System.Security.Authentication.AuthenticationException)
                    {
                        stream?.Dispose();
                        stream = null;
                        int dropped = 1;
                        while (_queue.TryTake(out var lost))
                        {
                            lost.Release();
                            dropped++;
                        }
                        _owner.Dropped($"{_host}:{_port}", dropped, e);
                    }
                    finally
                    {
                        frame.Release();
                    }
                }
            }
            finally
            {
                stream?.Dispose();
            }
        }

        private Stream Connect()
        {
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, SendBufferSize = SocketBuffer };
            socket.Connect(_host, _port);
            var stream = new NetworkStream(socket, ownsSocket: true);
            if (_owner._credential is null)
                return stream;
            var tls = new SslStream(stream, leaveInnerStreamOpen: false);
            tls.AuthenticateAsClient(_owner._credential.ClientOptions(_host));
            return tls;
        }

        public void Dispose() => _queue.CompleteAdding();
    }
}
