using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Serialization;
using MessagePack;
using MessagePack.Resolvers;
using RnnCluster.Training.Worker;

namespace RnnCluster.Training.Wire;

/// <summary>
/// The one serializer of every <see cref="IRnnClusterMessage"/>: MessagePack with an explicit
/// manifest per type. A manifest names the type and the protocol version ("AssignWork.v1"), so a
/// node speaking another version fails loudly with a <see cref="SerializationException"/>
/// instead of misreading bytes. Byte arrays (parameters, gradients, checkpoints) are MessagePack
/// bin fields: copied once, never expanded.
/// </summary>
public sealed class MessagePackMessageSerializer : SerializerWithStringManifest
{
    public const int SerializerId = 471_100;

    /// <summary>The HOCON that registers this serializer and binds every RnnCluster message to it (nodes, tests, benchmarks).</summary>
    public static readonly string BindingHocon = "\n" + $$"""
        akka.actor {
          serializers.rnncluster = "{{typeof(MessagePackMessageSerializer).AssemblyQualifiedName}}"
          serialization-bindings {
            "{{typeof(IRnnClusterMessage).AssemblyQualifiedName}}" = rnncluster
          }
        }
        """ + "\n";

    public const int ProtocolVersion = 1;

    /// <summary>Why a peer of <paramref name="version"/> cannot take part, or null when it speaks ours.</summary>
    public static string? ProtocolMismatch(int version) =>
        version == ProtocolVersion ? null : $"protocol v{version}, the coordinator speaks v{ProtocolVersion}";

    private static readonly MessagePackSerializerOptions Options =
        MessagePackSerializerOptions.Standard.WithResolver(StandardResolver.Instance).WithSecurity(MessagePackSecurity.UntrustedData);

    public MessagePackMessageSerializer(ExtendedActorSystem system) : base(system)
    {
    }

    public override int Identifier => SerializerId;

    public override string Manifest(object o) =>
        MessageManifests.ByType.TryGetValue(o.GetType(), out var manifest)
            ? manifest
            : throw new ArgumentException($"{o.GetType()} is not a registered RnnCluster message; add it to {nameof(MessageManifests)}.");

    public override byte[] ToBinary(object obj) => MessagePackSerializer.Serialize(obj.GetType(), obj, Options);

    public override object FromBinary(byte[] bytes, string manifest) => Read(bytes, manifest);

    private static object Read(ReadOnlyMemory<byte> bytes, string manifest)
    {
        if (!MessageManifests.ByManifest.TryGetValue(manifest, out var type))
            throw new SerializationException(
                $"Unknown message manifest '{manifest}': the sender speaks another RnnCluster protocol version (this node speaks v{ProtocolVersion}).");
        object message;
        string? problem;
        try
        {
            problem = WireShape.CheckArity(bytes, type);
            message = MessagePackSerializer.Deserialize(type, bytes, Options)
                      ?? throw new SerializationException($"Message '{manifest}' deserialized to null.");
        }
        catch (Exception e) when (e is MessagePackSerializationException or EndOfStreamException)
        {
            throw new SerializationException($"Malformed '{manifest}' message ({bytes.Length} bytes): {e.Message}", e);
        }
        problem ??= WireShape.FirstMissing(message, manifest) is { } missing ? $"{missing} is missing" : null;
        return problem is null
            ? message
            : throw new SerializationException($"Malformed '{manifest}' message ({bytes.Length} bytes): {problem}.");
    }

    /// <summary>Plain helpers for places outside Akka (tests, the bulk channel).</summary>
    public static byte[] Serialize(IRnnClusterMessage message) => MessagePackSerializer.Serialize(message.GetType(), message, Options);

    /// <remarks>Fails like <see cref="FromBinary"/>: a <see cref="SerializationException"/>, never null.</remarks>
    public static object Deserialize(byte[] bytes, string manifest) => Read(bytes, manifest);

    /// <inheritdoc cref="Deserialize(byte[], string)"/>
    public static object Deserialize(ReadOnlyMemory<byte> bytes, string manifest) => Read(bytes, manifest);

    /// <summary>Serializes into <paramref name="writer"/> (a pooled buffer for the bulk channel) instead of a fresh array.</summary>
    public static void SerializeTo(System.Buffers.IBufferWriter<byte> writer, IRnnClusterMessage message) =>
        MessagePackSerializer.Serialize(message.GetType(), writer, message, Options);
}
