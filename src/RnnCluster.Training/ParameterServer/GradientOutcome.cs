using Akka.Event;
using RnnCluster.Training.Coordinator;

namespace RnnCluster.Training.ParameterServer;

/// <summary>What <see cref="RunState{TWorker}"/> made of a gradient; the parameter-server actor carries it out.</summary>
/// <param name="Note">A line for the log, at <paramref name="Level"/>.</param>
/// <param name="Refused">Tell the coordinator: these micro-batches are still missing.</param>
/// <param name="Applied">Tell the coordinator: a step (or an async update) was applied.</param>
/// <param name="Publish">Workers waiting for the new version: send it to them.</param>
/// <param name="CheckpointDue">The new version is due for a checkpoint (--checkpoint-every).</param>
/// <param name="Aborted">The update made the parameters non-finite: the run ends, this state is never served or saved.</param>
/// <param name="Verdict">Async mode: answer the worker, with the parameters to go on from (accepted or not).</param>
public sealed record GradientOutcome<TWorker>(
    string? Note = null,
    LogLevel Level = LogLevel.DebugLevel,
    GradientRefused? Refused = null,
    StepApplied? Applied = null,
    IReadOnlyList<TWorker>? Publish = null,
    bool CheckpointDue = false,
    string? Aborted = null,
    bool? Verdict = null)
{
    public static readonly GradientOutcome<TWorker> Nothing = new();
}
