namespace RnnCluster.Training.Coordinator;

/// <summary>
/// Work for one worker: micro-batches of step <paramref name="Step"/> (sync), or one micro-batch
/// of the update with sequence number <paramref name="Step"/> = s·M + m (async).
/// </summary>
public sealed record Assignment<TWorker>(TWorker Worker, long Step, int[] MicroBatches);
