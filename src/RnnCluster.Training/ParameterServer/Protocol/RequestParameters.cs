using MessagePack;
using RnnCluster.Training.Wire;

namespace RnnCluster.Training.ParameterServer;

/// <summary>Worker → parameter server: send me the parameters of this version (or the current one in async mode).</summary>
[MessagePackObject]
public sealed record RequestParameters(
    [property: Key(0)] string RunId,
    [property: Key(1)] long Version,
    [property: Key(2)] string WorkerId) : IRunMessage;
