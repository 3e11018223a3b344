using MessagePack;
using RnnCluster.Training.Wire;

namespace RnnCluster.Training.Coordinator;

/// <summary>Parameter server → coordinator: the run cannot start (unknown run, changed settings, corrupt store…).</summary>
[MessagePackObject]
public sealed record RunRefused([property: Key(0)] string RunId, [property: Key(1)] string Reason) : IRunMessage;
