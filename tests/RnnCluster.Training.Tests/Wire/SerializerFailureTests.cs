using System.Runtime.Serialization;
using RnnCluster.Training.Coordinator;
using RnnCluster.Training.ParameterServer;
using RnnCluster.Training.Wire;
using RnnCluster.Training.Worker;

namespace RnnCluster.Training.Tests.Wire;

/// <summary>Bytes the serializer cannot read fail as a <see cref="SerializationException"/>: loudly, never as a crash or a half-read message.</summary>
public sealed class SerializerFailureTests(SerializationSystem akka) : IClassFixture<SerializationSystem>
{
    private const int Id = MessagePackMessageSerializer.SerializerId;

    [Theory]
    [InlineData("AssignWork.v2")]
    [InlineData("AssignWork")]
    [InlineData("Akka.Actor.Identify")]
    [InlineData("")]
    public void An_unknown_manifest_names_the_protocol_version(string manifest)
    {
        byte[] bytes = MessagePackMessageSerializer.Serialize(MessageSamples.For(typeof(AssignWork)));

        var e = Assert.Throws<SerializationException>(() => akka.Serialization.Deserialize(bytes, Id, manifest));

        Assert.Contains($"'{manifest}'", e.Message);
        Assert.Contains("protocol version", e.Message);
        Assert.Contains($"v{MessagePackMessageSerializer.ProtocolVersion}", e.Message);
    }

    public static TheoryData<string, string, byte[]> MalformedPayloads()
    {
        byte[] welcome = MessagePackMessageSerializer.Serialize(MessageSamples.For(typeof(WorkerWelcome)));
        byte[] refused = MessagePackMessageSerializer.Serialize(MessageSamples.For(typeof(RunRefused)));
        var definition = MessageSamples.Definition();
        byte[] nilToken = MessagePackMessageSerializer.Serialize(new RunCreated("r",
            definition with { Vocabulary = definition.Vocabulary with { Tokens = ["a", null!, "c"] } }, 1));
        return new TheoryData<string, string, byte[]>
        {
            { "empty", "AssignWork.v1", [] },
            { "nil", "BeginRun.v1", [0xc0] },
            { "never-used byte", "AssignWork.v1", [0xc1] },
            { "random bytes", "GradientComputed.v1", MessageSamples.Bytes(257, seed: 3) },
            { "truncated", "WorkerWelcome.v1", welcome[..(welcome.Length / 2)] },
            { "other message", "ParametersAvailable.v1", refused },
            { "string for a number", "QueryMissing.v1", [0x92, 0xa1, (byte)'r', 0xa1, (byte)'1'] },
            { "bin claiming 2 GB", "ParametersAvailable.v1", [0x93, 0xa1, (byte)'r', 0x01, 0xc6, 0x7f, 0xff, 0xff, 0xff, 0x00] },
            { "array claiming 4 G elements", "MissingMicroBatches.v1", [0x93, 0xa1, (byte)'r', 0x01, 0xdd, 0xff, 0xff, 0xff, 0xff] },
            { "map claiming 4 G entries", "RunCreated.v1", [0xdf, 0xff, 0xff, 0xff, 0xff] },
            { "short array", "BeginRun.v1", [0x91, 0xa1, (byte)'r'] },
            { "empty array", "FinishRun.v1", [0x90] },
            { "nil field", "RunRefused.v1", [0x92, 0xa1, (byte)'r', 0xc0] },
            { "nil nested", "RunCreated.v1", [0x93, 0xa1, (byte)'r', 0xc0, 0x01] },
            { "missing number", "QueryMissing.v1", [0x91, 0xa1, (byte)'r'] },
            { "extra field", "FinishRun.v1", [0x92, 0xa1, (byte)'r', 0x01] },
            { "nil token", "RunCreated.v1", nilToken },
            { "deep nesting", "ParameterServerSnapshot.v1", Enumerable.Repeat((byte)0x91, 100_000).ToArray() },
        };
    }

    [Theory]
    [MemberData(nameof(MalformedPayloads))]
    public void A_malformed_payload_is_a_serialization_exception(string what, string manifest, byte[] payload)
    {
        var e = Assert.Throws<SerializationException>(() => akka.Serialization.Deserialize(payload, Id, manifest));
        Assert.Contains(manifest, e.Message);
        Assert.False(string.IsNullOrEmpty(what));
    }

    [Theory]
    [MemberData(nameof(MalformedPayloads))]
    public void The_plain_helper_fails_the_same_way(string what, string manifest, byte[] payload)
    {
        var e = Assert.Throws<SerializationException>(() => MessagePackMessageSerializer.Deserialize(payload, manifest));
        Assert.Contains(manifest, e.Message);
        Assert.False(string.IsNullOrEmpty(what));
    }

    [Theory]
    [InlineData("RunCreated.v1", new byte[] { 0x93, 0xa1, (byte)'r', 0xc0, 0x01 }, "RunCreated.v1.Definition is missing")]
    [InlineData("QueryMissing.v1", new byte[] { 0x91, 0xa1, (byte)'r' }, "an array of 1 fields, the message has 2")]
    public void A_half_message_is_refused_and_explained(string manifest, byte[] payload, string explanation)
    {
        var e = Assert.Throws<SerializationException>(() => akka.Serialization.Deserialize(payload, Id, manifest));
        Assert.Contains(explanation, e.Message);
    }

    [Fact]
    public void A_run_created_before_its_checkpoint_policy_was_stored_reads_with_none()
    {
        var current = MessagePackMessageSerializer.Serialize(new RunCreated("r", MessageSamples.Definition(), 7, new CheckpointPolicy(20, 3)));
        // The same event as journals hold it from before the policy: an array of three fields.
        var reader = new MessagePack.MessagePackReader(current);
        Assert.Equal(4, reader.ReadArrayHeader());
        for (int i = 0; i < 3; i++)
            reader.Skip();
        var old = new byte[] { 0x93 }.Concat(current.AsSpan(1, (int)reader.Consumed - 1).ToArray()).ToArray();

        var read = Assert.IsType<RunCreated>(akka.Serialization.Deserialize(old, Id, "RunCreated.v1"));
        Assert.Equal(("r", 7L, (CheckpointPolicy?)null), (read.RunId, read.CreatedAtUnixMs, read.Checkpoints));
        var e = Assert.Throws<SerializationException>(() => akka.Serialization.Deserialize(old[..^1], Id, "RunCreated.v1"));
        Assert.Contains("Malformed", e.Message);
    }

    [Fact]
    public void The_plain_helper_names_the_protocol_version_of_an_unknown_manifest()
    {
        var e = Assert.Throws<SerializationException>(() => MessagePackMessageSerializer.Deserialize([0x90], "AssignWork.v2"));
        Assert.Contains("protocol version", e.Message);
    }

    [Fact]
    public void A_foreign_serializer_id_is_a_serialization_exception()
    {
        byte[] bytes = MessagePackMessageSerializer.Serialize(MessageSamples.For(typeof(AssignWork)));
        Assert.Throws<SerializationException>(() => akka.Serialization.Deserialize(bytes, 471_101, "AssignWork.v1"));
    }
}
