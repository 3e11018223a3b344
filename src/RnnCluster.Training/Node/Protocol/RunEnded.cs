using MessagePack;
using RnnCluster.Training.Wire;

namespace RnnCluster.Training.Node;

/// <summary>Coordinator → everyone: the run is over (or aborted); stop working.</summary>
[MessagePackObject]
public sealed record RunEnded(
    [property: Key(0)] string RunId,
    [property: Key(1)] bool Success,
    [property: Key(2)] string Summary) : IRunMessage;
