using Akka.Configuration;
using RnnCluster.Training.Wire;

namespace RnnCluster.Training.Tests.Support;

/// <summary>Configuration of the actor tests: every message goes through the MessagePack serializer, as it would between nodes.</summary>
internal static class ActorTestConfig
{
    /// <summary>The parameter server's journal and snapshots in memory: tests that start one without a database.</summary>
    public const string InMemoryPersistence = """
        akka.persistence.journal.plugin = "akka.persistence.journal.inmem"
        akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.inmem"
        """;

    /// <param name="extraHocon">Settings of the test class (log level, persistence plugins), prepended.</param>
    public static Config SerializingMessages(string extraHocon = "") =>
        ConfigurationFactory.ParseString(extraHocon + "\nakka.actor.serialize-messages = on\n" + MessagePackMessageSerializer.BindingHocon);
}
