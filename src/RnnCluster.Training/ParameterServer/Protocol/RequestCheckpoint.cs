using MessagePack;
using RnnCluster.Training.Wire;

namespace RnnCluster.Training.ParameterServer;

/// <summary>Anyone → parameter server: save a checkpoint of the current state now.</summary>
[MessagePackObject]
public sealed record RequestCheckpoint([property: Key(0)] string RunId) : IRunMessage;
