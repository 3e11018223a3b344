using Akka.Serialization;
using RnnCluster.Training.Wire;

namespace RnnCluster.Training.Tests.Wire;

/// <summary>Every wire message survives serialization field for field, directly and through Akka's serialization extension.</summary>
public sealed class MessageRoundTripTests(SerializationSystem akka) : IClassFixture<SerializationSystem>
{
    public static TheoryData<string> Manifests => new(MessageManifests.Types.Select(t => MessageManifests.ByType[t]));

    [Theory]
    [MemberData(nameof(Manifests))]
    public void Sample_sets_every_field(string manifest)
    {
        var sample = MessageSamples.For(MessageManifests.ByManifest[manifest]);
        Assert.Empty(Structural.DefaultMembers(sample));
    }

    [Theory]
    [MemberData(nameof(Manifests))]
    public void Round_trips_through_the_serializer(string manifest)
    {
        var sample = MessageSamples.For(MessageManifests.ByManifest[manifest]);

        byte[] bytes = MessagePackMessageSerializer.Serialize(sample);
        object copy = MessagePackMessageSerializer.Deserialize(bytes, manifest);

        Assert.IsType(sample.GetType(), copy);
        Assert.NotSame(sample, copy);
        Assert.Null(Structural.FirstDifference(sample, copy));
    }

    [Theory]
    [MemberData(nameof(Manifests))]
    public void Round_trips_through_akka_serialization_with_the_messagepack_serializer(string manifest)
    {
        var sample = MessageSamples.For(MessageManifests.ByManifest[manifest]);
        var serialization = akka.Serialization;

        var serializer = serialization.FindSerializerFor(sample);
        Assert.IsType<MessagePackMessageSerializer>(serializer);
        Assert.IsNotType<NewtonSoftJsonSerializer>(serializer);
        Assert.Equal(MessagePackMessageSerializer.SerializerId, serializer.Identifier);
        Assert.Equal(471_100, serializer.Identifier);
        Assert.Same(serializer, serialization.FindSerializerForType(sample.GetType()));
        Assert.Equal(manifest, Akka.Serialization.Serialization.ManifestFor(serializer, sample));

        byte[] bytes = serializer.ToBinary(sample);
        object copy = serialization.Deserialize(bytes, serializer.Identifier, manifest);

        Assert.IsType(sample.GetType(), copy);
        Assert.Null(Structural.FirstDifference(sample, copy));
        Assert.Equal(bytes, MessagePackMessageSerializer.Serialize(sample));
    }

    [Theory]
    [MemberData(nameof(Manifests))]
    public void Forced_serialization_delivers_an_equal_copy(string manifest)
    {
        var sample = MessageSamples.For(MessageManifests.ByManifest[manifest]);
        var expected = MessageSamples.For(MessageManifests.ByManifest[manifest]);

        object copy = ForcedSerialization.RoundTrip(akka.System, sample);

        Assert.NotSame(sample, copy);
        Assert.Null(Structural.FirstDifference(expected, copy));
        // The sender gave its blob up with the message; the receiver owns the copy's.
        if (sample is ITensorMessage tensor)
        {
            Assert.Throws<ObjectDisposedException>(() => tensor.Blob.Array);
            Assert.NotSame(tensor.Blob, ((ITensorMessage)copy).Blob);
        }
    }
}
