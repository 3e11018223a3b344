using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Configuration;
using RnnCluster.Training.ParameterServer;
using RnnCluster.Training.Wire;
using RnnCluster.Training.Worker;

namespace RnnCluster.Benchmarks;

/// <summary>
/// Moving a tensor between two processes on loopback, three ways, in one run:
///   raw     a plain TCP socket copy (the limit of the machine)
///   bulk    RnnCluster's bulk channel: a ParametersAvailable message serialized with the
///           MessagePack serializer, framed on its own TCP connection, delivered to an actor
///   remote  the same message through plain Akka.Remote (frame size raised to fit)
/// Each transfer is timed from send to the receiver's small acknowledgement (through Akka.Remote,
/// with write batching off as on RnnCluster nodes; its 40 ms flush timer would otherwise dominate);
/// the median of --repeat transfers after warm-up is reported.
///   transfer [--mb 4] [--repeat 20]
/// Last line: raw_mb_s=… bulk_mb_s=… remote_mb_s=…
/// </summary>
internal static class TransferBenchmark
{
    public static int Run(string[] args)
    {
        var o = new BenchmarkOptions(args);
        int megabytes = o.Int("mb", 4), repeat = o.Int("repeat", 20);
        int bytes = megabytes * 1024 * 1024;
        using var peer = StartPeer();
        string[] ports = peer.StandardOutput.ReadLine()!.Split(' '); // "rawPort akkaPort bulkPort"
        int rawPort = int.Parse(ports[0]), akkaPort = int.Parse(ports[1]), bulkPort = int.Parse(ports[2]);

        double raw = Stats.Median(RawSocket(rawPort, bytes, repeat));
        var (bulk, remote) = ThroughAkka(akkaPort, bulkPort, bytes, repeat);
        peer.StandardInput.WriteLine("quit");
        peer.WaitForExit(10_000);

        Console.WriteLine($"{megabytes} MB per transfer, median of {repeat}:");
        Console.WriteLine($"  raw TCP socket      {bytes / raw / 1e6,8:F0} MB/s   ({raw * 1000:F2} ms)");
        Console.WriteLine($"  RnnCluster bulk     {bytes / bulk / 1e6,8:F0} MB/s   ({bulk * 1000:F2} ms)");
        Console.WriteLine($"  plain Akka.Remote   {bytes / remote / 1e6,8:F0} MB/s   ({remote * 1000:F2} ms)");
        Console.WriteLine($"raw_mb_s={bytes / raw / 1e6:F0} bulk_mb_s={bytes / bulk / 1e6:F0} remote_mb_s={bytes / remote / 1e6:F0}");
        return 0;
    }

    private static Process StartPeer()
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add(typeof(TransferBenchmark).Assembly.Location);
        start.ArgumentList.Add("transfer-peer");
        return Process.Start(start)!;
    }

    private static List<double> RawSocket(int port, int bytes, int repeat)
    {
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, SendBufferSize = 4 << 20 };
        socket.Connect(IPAddress.Loopback, port);
        using var stream = new NetworkStream(socket);
        var payload = new byte[bytes];
        Random.Shared.NextBytes(payload);
        var ack = new byte[1];
        var times = new List<double>();
        for (int i = 0; i < repeat + 3; i++)
        {
            var clock = Stopwatch.StartNew();
            stream.Write(BitConverter.GetBytes(bytes));
            stream.Write(payload);
            stream.ReadExactly(ack);
            if (i >= 3)
                times.Add(clock.Elapsed.TotalSeconds);
        }
        return times;
    }

    private static (double Bulk, double Remote) ThroughAkka(int akkaPort, int bulkPort, int bytes, int repeat)
    {
        using var system = ActorSystem.Create("transfer", Config(0));
        using var bulk = new BulkChannel("127.0.0.1");
        bulk.Attach(system);
        var payload = new byte[bytes];
        Random.Shared.NextBytes(payload);
        var message = new ParametersAvailable("bench", 1, TensorBlob.Detached(payload));
        var sink = system.ActorSelection($"akka.tcp://transfer@127.0.0.1:{akkaPort}/user/sink").ResolveOne(TimeSpan.FromSeconds(20)).Result;
        var ext = (ExtendedActorSystem)system;
        var serializer = system.Serialization.FindSerializerFor(message);
        string manifest = Akka.Serialization.Serialization.ManifestFor(serializer, message);

        double Measure(Action<IActorRef> send)
        {
            var times = new List<double>();
            for (int i = 0; i < repeat + 3; i++)
            {
                var clock = Stopwatch.StartNew();
                var reply = new TaskCompletionSource();
                var waiter = system.ActorOf(Props.Create(() => new AckWaiter(reply)));
                send(waiter);
                reply.Task.Wait(TimeSpan.FromSeconds(60));
                if (i >= 3)
                    times.Add(clock.Elapsed.TotalSeconds);
                system.Stop(waiter);
            }
            return Stats.Median(times);
        }

        double bulkTime = Measure(waiter =>
        {
            // As the parameter server does it (TensorBlob.CopyOf, then Courier.SendTensor): the tensor
            // is copied into a pooled blob, the message serialized around it into a pooled buffer,
            // and the channel writes the blob from that array and gives both back after writing.
            var blob = TensorBlob.CopyOf(payload);
            var tensor = message with { Parameters = blob };
            var bytesOut = new PooledBuffer(256);
            int blobOffset = TensorBlobFormatter.SerializeLeavingOut(bytesOut, tensor, blob);
            var header = new BulkHeader(sink.Path.ToSerializationFormat(), waiter.Path.ToSerializationFormatWithAddress(ext.Provider.DefaultAddress), serializer.Identifier, manifest);
            bulk.Send("127.0.0.1", bulkPort, header, bytesOut, blob, blobOffset);
        });
        double remoteTime = Measure(waiter => sink.Tell(message, waiter));
        return (bulkTime, remoteTime);
    }

    /// <summary>The receiving process: a raw socket sink, and an actor that acknowledges each message.</summary>
    public static int Peer()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var system = ActorSystem.Create("transfer", Config(0));
        system.ActorOf(Props.Create(() => new Sink()), "sink");
        using var bulk = new BulkChannel("127.0.0.1");
        bulk.Attach(system);
        int akkaPort = ((ExtendedActorSystem)system).Provider.DefaultAddress.Port!.Value;
        new Thread(() =>
        {
            using var socket = listener.AcceptSocket();
            socket.ReceiveBufferSize = 4 << 20;
            using var stream = new NetworkStream(socket);
            var header = new byte[4];
            byte[] buffer = [];
            try
            {
                while (true)
                {
                    stream.ReadExactly(header);
                    int length = BitConverter.ToInt32(header);
                    if (buffer.Length < length)
                        buffer = new byte[length];
                    stream.ReadExactly(buffer, 0, length);
                    stream.WriteByte(1);
                }
            }
            catch (EndOfStreamException) { }
            catch (IOException) { }
        }) { IsBackground = true }.Start();
        Console.WriteLine($"{((IPEndPoint)listener.LocalEndpoint).Port} {akkaPort} {bulk.Port}");
        Console.Out.Flush();
        Console.ReadLine();
        return 0;
    }

    private static Config Config(int port) => ConfigurationFactory.ParseString($$"""
        akka.loglevel = WARNING
        akka.actor.provider = remote
        akka.remote.dot-netty.tcp.hostname = 127.0.0.1
        akka.remote.dot-netty.tcp.port = {{port}}
        akka.remote.dot-netty.tcp.batching.enabled = false
        akka.remote.dot-netty.tcp.maximum-frame-size = 64000000b
        akka.remote.dot-netty.tcp.send-buffer-size = 64000000b
        akka.remote.dot-netty.tcp.receive-buffer-size = 64000000b
        """ + MessagePackMessageSerializer.BindingHocon);

    private sealed class Sink : ReceiveActor
    {
        // Returns the blob as a worker does, so the receiving side reuses its arrays.
        public Sink() => Receive<ParametersAvailable>(m =>
        {
            m.Parameters.Dispose();
            Sender.Tell(new RequestParameters("bench", m.Version, "ack"));
        });
    }

    private sealed class AckWaiter : ReceiveActor
    {
        public AckWaiter(TaskCompletionSource done) => Receive<RequestParameters>(_ => done.TrySetResult());
    }
}
