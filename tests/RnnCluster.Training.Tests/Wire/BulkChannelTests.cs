using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit.Xunit2;
using RnnCluster.Training.ParameterServer;
using RnnCluster.Training.Wire;
using RnnCluster.Training.Worker;

namespace RnnCluster.Training.Tests.Wire;

/// <summary>A bulk channel sending to its own port on loopback: what goes in arrives, whole and in order, at the named actor with the named sender.</summary>
public sealed class BulkChannelTests : TestKit
{
    private static readonly Config TestConfig = ConfigurationFactory.ParseString(MessagePackMessageSerializer.BindingHocon);

    public BulkChannelTests() : base(TestConfig)
    {
    }

    [Fact]
    public void Pooled_and_plain_payloads_arrive_whole_and_in_order_with_their_sender()
    {
        using var channel = new BulkChannel("127.0.0.1");
        channel.Attach(Sys);
        var recipient = CreateTestProbe();
        var sender = CreateTestProbe();
        var ext = (ExtendedActorSystem)Sys;
        var messages = Enumerable.Range(0, 5).Select(i =>
        {
            var bytes = new byte[200_000 + i * 70_001];
            new Random(i).NextBytes(bytes);
            return new ParametersAvailable("run", i, TensorBlob.CopyOf(bytes));
        }).ToList();

        foreach (var message in messages)
        {
            var header = new BulkHeader(recipient.Ref.Path.ToSerializationFormat(), sender.Ref.Path.ToSerializationFormatWithAddress(ext.Provider.DefaultAddress),
                MessagePackMessageSerializer.SerializerId, MessageManifests.ByType[typeof(ParametersAvailable)]);
            if (message.Version % 2 == 0)
            {
                var pooled = new PooledBuffer();
                MessagePackMessageSerializer.SerializeTo(pooled, message);
                channel.Send("127.0.0.1", channel.Port, header, pooled);
            }
            else
            {
                channel.Send("127.0.0.1", channel.Port, header, MessagePackMessageSerializer.Serialize(message));
            }
        }

        foreach (var message in messages)
        {
            var received = recipient.ExpectMsg<ParametersAvailable>(TimeSpan.FromSeconds(10));
            Assert.Equal(message.Version, received.Version);
            Assert.Equal(message.Parameters.Array, received.Parameters.Array);
            Assert.Equal(sender.Ref, recipient.LastSender);
        }
        // The writer counts a frame once its write returns, which can be after the reader delivered it.
        AwaitCondition(() => channel.BytesSent > messages.Sum(m => m.Parameters.Length), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void A_tensor_blob_written_from_its_own_array_arrives_whole_in_a_pooled_array()
    {
        using var channel = new BulkChannel("127.0.0.1");
        channel.Attach(Sys);
        var recipient = CreateTestProbe();
        var sources = Enumerable.Range(0, 4).Select(i =>
        {
            var bytes = new byte[3_500_000];
            new Random(i).NextBytes(bytes);
            return bytes;
        }).ToList();

        for (int i = 0; i < sources.Count; i++)
        {
            var blob = TensorBlob.CopyOf(sources[i]);
            var message = new GradientComputed("run", i, 0, 1, blob, 2.0, 64, "w", i);
            var around = new PooledBuffer();
            int offset = TensorBlobFormatter.SerializeLeavingOut(around, message, blob);
            Assert.True(offset > 0);
            channel.Send("127.0.0.1", channel.Port, new BulkHeader(recipient.Ref.Path.ToSerializationFormat(), "",
                MessagePackMessageSerializer.SerializerId, MessageManifests.ByType[typeof(GradientComputed)]), around, blob, offset);
        }

        for (int i = 0; i < sources.Count; i++)
        {
            var received = recipient.ExpectMsg<GradientComputed>(TimeSpan.FromSeconds(10));
            Assert.Equal(i, received.Step);
            Assert.Equal(sources[i], received.Gradient.Array);
            Assert.Equal("w", received.WorkerId);
        }
    }

    [Fact]
    public void A_frame_of_an_unknown_manifest_is_dropped_and_the_connection_goes_on()
    {
        using var channel = new BulkChannel("127.0.0.1");
        channel.Attach(Sys);
        var recipient = CreateTestProbe();
        string path = recipient.Ref.Path.ToSerializationFormat();
        var good = new ParametersAvailable("run", 7, TensorBlob.CopyOf(new byte[100_000]));

        EventFilter.Warning(contains: "dropped a 'ParametersAvailable.v99' message").ExpectOne(() =>
            channel.Send("127.0.0.1", channel.Port, new BulkHeader(path, "", MessagePackMessageSerializer.SerializerId, "ParametersAvailable.v99"), MessagePackMessageSerializer.Serialize(good)));
        channel.Send("127.0.0.1", channel.Port, new BulkHeader(path, "", MessagePackMessageSerializer.SerializerId, MessageManifests.ByType[typeof(ParametersAvailable)]), MessagePackMessageSerializer.Serialize(good));
        Assert.Equal(7, recipient.ExpectMsg<ParametersAvailable>(TimeSpan.FromSeconds(10)).Version);
    }
}
