using MessagePack;
using RnnCluster.Training.Wire;

namespace RnnCluster.Training.Worker;

/// <summary>
/// Coordinator → worker: compute these micro-batches of step <paramref name="Step"/> at parameter
/// version Step (sync). In async mode the single entry is a sequence number u = s·M + m.
/// </summary>
[MessagePackObject]
public sealed record AssignWork(
    [property: Key(0)] string RunId,
    [property: Key(1)] long Step,
    [property: Key(2)] int[] MicroBatches) : IRunMessage;
