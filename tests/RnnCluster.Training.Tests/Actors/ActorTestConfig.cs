using Akka.Configuration;
using RnnCluster.Training.Serialization;

namespace RnnCluster.Training.Tests.Actors;

/// <summary>Configuration of the actor tests: every message goes through the MessagePack serializer, as it would between nodes.</summary>
internal static class ActorTestConfig
{
    /// <param name="extraHocon">Settings of the test class (log level, persistence plugins), prepended.</param>
    public static Config SerializingMessages(string extraHocon = "") =>
        ConfigurationFactory.ParseString(extraHocon + "\nakka.actor.serialize-messages = on\n" + MessagePackMessageSerializer.BindingHocon);
}
