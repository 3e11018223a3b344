using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;
using Akka.TestKit.Xunit2;
using RnnCluster.Training.ParameterServer;
using RnnCluster.Training.Wire;
using RnnCluster.Training.Worker;

namespace RnnCluster.Training.Tests.Wire;

/// <summary>
/// Two cluster nodes in one process, each with its bulk channel advertised as a role: the wire
/// sends big RnnCluster messages over the bulk channel (tensor blobs spliced, other fields inline)
/// and small ones through remoting, and every one arrives whole.
/// </summary>
public sealed class CourierTests : TestKit
{
    private static Config NodeConfig(BulkChannel bulk) => ConfigurationFactory.ParseString($$"""
        akka.actor.provider = cluster
        akka.remote.dot-netty.tcp { hostname = 127.0.0.1, port = 0 }
        akka.cluster.roles = ["{{bulk.Role}}"]
        akka.loglevel = WARNING
        """ + MessagePackMessageSerializer.BindingHocon);

    private readonly BulkChannel _bulkA;
    private readonly BulkChannel _bulkB = new("127.0.0.1");
    private readonly ActorSystem _b;

    public CourierTests() : this(new BulkChannel("127.0.0.1"))
    {
    }

    private CourierTests(BulkChannel bulkA) : base(NodeConfig(bulkA))
    {
        _bulkA = bulkA;
        _b = ActorSystem.Create(Sys.Name, NodeConfig(_bulkB));
        _bulkA.Attach(Sys);
        _bulkB.Attach(_b);
        Courier.For(Sys).UseBulkChannel(_bulkA);
        Courier.For(_b).UseBulkChannel(_bulkB);
        var a = Cluster.Get(Sys);
        a.Join(a.SelfAddress);
        Cluster.Get(_b).Join(a.SelfAddress);
        AwaitCondition(() => a.State.Members.Count(m => m.Status == MemberStatus.Up) == 2, TimeSpan.FromSeconds(20));
    }

    /// <summary>On node B: answers every message with a small summary (remoting carries it back).</summary>
    private sealed class Summarizer : ReceiveActor
    {
        public Summarizer()
        {
            Receive<ParametersAvailable>(m =>
            {
                Sender.Tell($"parameters v{m.Version}: {m.Parameters.Length} bytes, sum {m.Parameters.Array.Sum(b => (long)b)}");
                m.Parameters.Dispose();
            });
            Receive<RequestParameters>(m => Sender.Tell($"request v{m.Version} from {m.WorkerId}"));
        }
    }

    private IActorRef RemoteSummarizer()
    {
        _b.ActorOf(Props.Create(() => new Summarizer()), "summarizer");
        var path = new RootActorPath(Cluster.Get(_b).SelfAddress) / "user" / "summarizer";
        return Sys.ActorSelection(path).ResolveOne(TimeSpan.FromSeconds(10)).Result;
    }

    private static TensorBlob Tensor(int bytes, int seed)
    {
        var blob = TensorBlob.Rent(bytes);
        new Random(seed).NextBytes(blob.Bytes);
        return blob;
    }

    [Fact]
    public void Big_messages_go_over_the_bulk_channel_small_ones_through_remoting_and_all_arrive_whole()
    {
        var remote = RemoteSummarizer();
        var wire = Courier.For(Sys);

        var spliced = Tensor(3_500_004, 1);
        long splicedSum = spliced.Array.Sum(b => (long)b);
        wire.SendTensor(remote, new ParametersAvailable("run", 1, spliced), TestActor);
        ExpectMsg($"parameters v1: 3500004 bytes, sum {splicedSum}", TimeSpan.FromSeconds(20));
        Assert.Equal(1, wire.BulkMessages);

        // A big message sent without handing over its blob: serialized whole onto the bulk channel.
        var inline = new byte[200_008];
        new Random(2).NextBytes(inline);
        wire.Send(remote, new ParametersAvailable("run", 2, TensorBlob.CopyOf(inline)), TestActor);
        ExpectMsg($"parameters v2: 200008 bytes, sum {inline.Sum(b => (long)b)}", TimeSpan.FromSeconds(20));
        Assert.Equal(2, wire.BulkMessages);

        wire.Send(remote, new RequestParameters("run", 3, "w7"), TestActor);
        ExpectMsg("request v3 from w7", TimeSpan.FromSeconds(20));
        Assert.Equal(2, wire.BulkMessages);
    }

    protected override void AfterAll()
    {
        _b.Terminate().Wait(TimeSpan.FromSeconds(10));
        _bulkA.Dispose();
        _bulkB.Dispose();
        base.AfterAll();
    }
}
