using MessagePack;
using RnnCluster.Training.Wire;

namespace RnnCluster.Training.Coordinator;

/// <summary>Parameter server → coordinator: the run cannot continue (e.g. an update made the parameters non-finite).</summary>
[MessagePackObject]
public sealed record RunAborted([property: Key(0)] string RunId, [property: Key(1)] string Reason) : IRunMessage;
