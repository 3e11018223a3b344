using MessagePack;
using RnnCluster.Training.Wire;

namespace RnnCluster.Training.Coordinator;

/// <summary>Parameter server → coordinator: the final checkpoint of <paramref name="Step"/> is stored.</summary>
[MessagePackObject]
public sealed record RunFinished([property: Key(0)] string RunId, [property: Key(1)] long Step) : IRunMessage;
