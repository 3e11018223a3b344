using MessagePack;
using RnnCluster.Training.Wire;

namespace RnnCluster.Training.Node;

[MessagePackObject]
public sealed record NodeRegistered([property: Key(0)] string RunId) : IRunMessage;
