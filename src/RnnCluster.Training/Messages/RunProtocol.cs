using MessagePack;

namespace RnnCluster.Training.Messages;

// Coordinator ↔ parameter server: the life of a run and of its steps.

public enum TrainingMode
{
    Sync = 0,
    Async = 1,
}

/// <summary>Checkpoint every K steps (0 = only at the end and on request), keeping the newest N.</summary>
[MessagePackObject]
public sealed record CheckpointPolicy([property: Key(0)] int Every, [property: Key(1)] int Keep);

/// <summary>Coordinator → parameter server: start (or resume) a run and prepare the state of its next step.</summary>
[MessagePackObject]
public sealed record BeginRun(
    [property: Key(0)] string RunId,
    [property: Key(1)] RunDefinition Definition,
    [property: Key(2)] bool Resume,
    [property: Key(3)] long TargetSteps,
    [property: Key(4)] CheckpointPolicy Checkpoints) : IRunMessage;

/// <summary>Parameter server → coordinator: the run's state is ready at <paramref name="Step"/>.</summary>
[MessagePackObject]
public sealed record RunReady(
    [property: Key(0)] string RunId,
    [property: Key(1)] long Step,
    [property: Key(2)] bool Resumed,
    [property: Key(3)] string Note) : IRunMessage;

/// <summary>Parameter server → coordinator: the run cannot start (unknown run, changed settings, corrupt store…).</summary>
[MessagePackObject]
public sealed record RunRefused([property: Key(0)] string RunId, [property: Key(1)] string Reason) : IRunMessage;

/// <summary>Parameter server → coordinator: step <paramref name="Step"/> was applied; parameters are now at version Step + 1.</summary>
[MessagePackObject]
public sealed record StepApplied(
    [property: Key(0)] string RunId,
    [property: Key(1)] long Step,
    [property: Key(2)] double TrainLoss,
    [property: Key(3)] double GradientNorm,
    [property: Key(4)] float LearningRate,
    [property: Key(5)] double ReduceMs,
    [property: Key(6)] double ApplyMs,
    [property: Key(7)] int MaxStaleness) : IRunMessage;

/// <summary>Coordinator → parameter server: which micro-batches of a step are still missing?</summary>
[MessagePackObject]
public sealed record QueryMissing([property: Key(0)] string RunId, [property: Key(1)] long Step) : IRunMessage;

[MessagePackObject]
public sealed record MissingMicroBatches([property: Key(0)] string RunId, [property: Key(1)] long Step, [property: Key(2)] int[] MicroBatches) : IRunMessage;

/// <summary>Parameter server → coordinator: a gradient was refused (not finite, wrong shape, overlapping); its micro-batches are still missing.</summary>
[MessagePackObject]
public sealed record GradientRefused(
    [property: Key(0)] string RunId,
    [property: Key(1)] long Step,
    [property: Key(2)] int Lo,
    [property: Key(3)] int Hi,
    [property: Key(4)] string WorkerId,
    [property: Key(5)] string Reason) : IRunMessage;

/// <summary>Reasons of <see cref="GradientRefused"/> that are no fault of the data (not counted towards "diverged").</summary>
public static class GradientRefusals
{
    public const string Overlap = "overlaps micro-batches already received";
    public const string Stale = "stale";
}

/// <summary>Parameter server → coordinator: the run cannot continue (e.g. an update made the parameters non-finite).</summary>
[MessagePackObject]
public sealed record RunAborted([property: Key(0)] string RunId, [property: Key(1)] string Reason) : IRunMessage;

/// <summary>Anyone → parameter server: save a checkpoint of the current state now.</summary>
[MessagePackObject]
public sealed record RequestCheckpoint([property: Key(0)] string RunId) : IRunMessage;

/// <summary>Parameter server → coordinator: a checkpoint of <paramref name="Step"/> is confirmed stored.</summary>
[MessagePackObject]
public sealed record CheckpointSaved([property: Key(0)] string RunId, [property: Key(1)] long Step, [property: Key(2)] double SaveMs) : IRunMessage;

/// <summary>Coordinator → parameter server: a validation result, kept in the run's history.</summary>
[MessagePackObject]
public sealed record RecordValidation([property: Key(0)] string RunId, [property: Key(1)] long Step, [property: Key(2)] double Loss) : IRunMessage;

/// <summary>Coordinator → parameter server: the run is over; save the final checkpoint.</summary>
[MessagePackObject]
public sealed record FinishRun([property: Key(0)] string RunId) : IRunMessage;

/// <summary>Parameter server → coordinator: the final checkpoint of <paramref name="Step"/> is stored.</summary>
[MessagePackObject]
public sealed record RunFinished([property: Key(0)] string RunId, [property: Key(1)] long Step) : IRunMessage;
