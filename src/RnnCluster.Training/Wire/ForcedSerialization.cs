using System.Runtime.CompilerServices;
using Akka.Actor;

namespace RnnCluster.Training.Wire;

/// <summary>
/// <c>--serialize-messages</c>: every RnnCluster message an actor receives is first serialized
/// and deserialized with its bound serializer, so the local simulation behaves like a cluster
/// (the receiver gets a copy made from bytes). Akka's own <c>akka.actor.serialize-messages</c>
/// would also push the persistence plugin's internal, deliberately unserializable messages
/// through the check and drop them, so RnnCluster applies it to its own protocol only.
/// </summary>
public static class ForcedSerialization
{
    public const string ConfigPath = "rnncluster.serialize-messages";

    // A message an actor stashes comes round again as the same instance (Akka stashes the envelope,
    // not what AroundReceive made of it): it gets the copy it got the first time, whose blob the
    // stashing actor still owns, instead of a second round trip of a blob already given up.
    private static readonly ConditionalWeakTable<object, object> Copies = new();

    public static bool IsOn(ActorSystem system) => system.Settings.Config.GetBoolean(ConfigPath, false);

    /// <summary>The message whose blob the receiver of <paramref name="message"/> owns: the last copy made of it, or itself.</summary>
    public static object Owned(object message)
    {
        while (Copies.TryGetValue(message, out var copy))
            message = copy;
        return message;
    }

    public static object RoundTrip(ActorSystem system, object message)
    {
        if (message is not IRnnClusterMessage)
            return message;
        if (Copies.TryGetValue(message, out var made))
            return made;
        var serialization = system.Serialization;
        var serializer = serialization.FindSerializerFor(message);
        var bytes = serializer.ToBinary(message);
        string manifest = Akka.Serialization.Serialization.ManifestFor(serializer, message);
        var copy = serialization.Deserialize(bytes, serializer.Identifier, manifest);
        (message as ITensorMessage)?.Blob.Dispose(); // the sender gave its share up; the receiver owns the copy's
        Copies.AddOrUpdate(message, copy);
        return copy;
    }
}
