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

    public static bool IsOn(ActorSystem system) => system.Settings.Config.GetBoolean(ConfigPath, false);

    public static object RoundTrip(ActorSystem system, object message)
    {
        if (message is not IRnnClusterMessage)
            return message;
        var serialization = system.Serialization;
        var serializer = serialization.FindSerializerFor(message);
        var bytes = serializer.ToBinary(message);
        string manifest = Akka.Serialization.Serialization.ManifestFor(serializer, message);
        return serialization.Deserialize(bytes, serializer.Identifier, manifest);
    }
}
