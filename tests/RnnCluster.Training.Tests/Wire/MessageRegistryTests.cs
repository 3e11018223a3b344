using System.Reflection;
using RnnCluster.Training.ParameterServer;
using RnnCluster.Training.Wire;

namespace RnnCluster.Training.Tests.Wire;

/// <summary>The manifest table is complete and stable: a new message type cannot silently miss it.</summary>
public sealed class MessageRegistryTests
{
    private static readonly Assembly Training = typeof(IRnnClusterMessage).Assembly;

    [Fact]
    public void Every_message_type_of_the_assembly_has_a_manifest()
    {
        var messageTypes = Training.GetTypes()
            .Where(t => typeof(IRnnClusterMessage).IsAssignableFrom(t) && t is { IsInterface: false, IsAbstract: false })
            .ToList();

        Assert.NotEmpty(messageTypes);
        Assert.All(messageTypes, t => Assert.True(t.IsPublic, $"{t.FullName} is a wire message but not public"));
        var missing = messageTypes.Except(MessageManifests.Types).Select(t => t.FullName).ToList();
        Assert.True(missing.Count == 0, $"IRnnClusterMessage types missing from MessageManifests.Types: {string.Join(", ", missing)}");
    }

    [Fact]
    public void Every_listed_type_is_a_sealed_message_record_listed_once()
    {
        Assert.Equal(MessageManifests.Types.Count, MessageManifests.Types.Distinct().Count());
        Assert.All(MessageManifests.Types, t =>
        {
            Assert.True(typeof(IRnnClusterMessage).IsAssignableFrom(t), $"{t.Name} does not implement IRnnClusterMessage");
            Assert.True(t.IsSealed, $"{t.Name} is not sealed");
            Assert.NotNull(t.GetCustomAttribute<MessagePack.MessagePackObjectAttribute>());
        });
    }

    [Fact]
    public void Manifests_name_the_type_and_the_protocol_version()
    {
        Assert.All(MessageManifests.Types, t => Assert.Equal($"{t.Name}.v{MessagePackMessageSerializer.ProtocolVersion}", MessageManifests.ByType[t]));
        Assert.Equal(MessageManifests.Types.Count, MessageManifests.ByManifest.Count);
        Assert.Equal("ParameterServerSnapshot.v1", MessageManifests.ByType[typeof(ParameterServerSnapshot)]);
        Assert.Equal("RunCreated.v1", MessageManifests.ByType[typeof(RunCreated)]);
        Assert.Equal("CheckpointRecorded.v1", MessageManifests.ByType[typeof(CheckpointRecorded)]);
    }

    [Fact]
    public void Every_listed_type_has_a_sample()
    {
        var missing = MessageManifests.Types.Where(t => !MessageSamples.All.ContainsKey(t)).Select(t => t.Name).ToList();
        Assert.True(missing.Count == 0, $"no sample for: {string.Join(", ", missing)}");
    }
}
