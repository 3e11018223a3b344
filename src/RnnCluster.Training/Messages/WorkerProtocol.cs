using MessagePack;

namespace RnnCluster.Training.Messages;

// Workers ↔ coordinator and parameter server: joining, work, parameters, gradients.

/// <summary>Worker → coordinator: I can compute gradients. Sent until welcomed.</summary>
[MessagePackObject]
public sealed record RegisterWorker(
    [property: Key(0)] string WorkerId,
    [property: Key(1)] int ProtocolVersion) : IRnnClusterMessage;

/// <summary>Coordinator → worker: the run, and the data it trains on (token ids as raw int32 blobs).</summary>
[MessagePackObject]
public sealed record WorkerWelcome(
    [property: Key(0)] string RunId,
    [property: Key(1)] RunDefinition Definition,
    [property: Key(2)] byte[] TrainTokens,
    [property: Key(3)] byte[] ValidationTokens) : IRunMessage
{
    [IgnoreMember]
    public TrainingMode Mode => Definition.Mode;
}

/// <summary>Coordinator → worker: not taken (other protocol version, another run…).</summary>
[MessagePackObject]
public sealed record WorkerRefused([property: Key(0)] string RunId, [property: Key(1)] string Reason) : IRunMessage;

/// <summary>Worker → coordinator: the welcome's data checked out; ready for work.</summary>
[MessagePackObject]
public sealed record WorkerReady([property: Key(0)] string RunId, [property: Key(1)] string WorkerId) : IRunMessage;

/// <summary>
/// Coordinator → worker: compute these micro-batches of step <paramref name="Step"/> at parameter
/// version Step (sync). In async mode the single entry is a sequence number u = s·M + m.
/// </summary>
[MessagePackObject]
public sealed record AssignWork(
    [property: Key(0)] string RunId,
    [property: Key(1)] long Step,
    [property: Key(2)] int[] MicroBatches) : IRunMessage;

/// <summary>Parameter server → worker: the parameters of a version (raw little-endian float32).</summary>
[MessagePackObject]
public sealed record ParametersAvailable(
    [property: Key(0)] string RunId,
    [property: Key(1)] long Version,
    [property: Key(2)][property: MessagePackFormatter(typeof(Serialization.PooledBlobFormatter))] byte[] Parameters) : IRunMessage;

/// <summary>Worker → parameter server: send me the parameters of this version (or the current one in async mode).</summary>
[MessagePackObject]
public sealed record RequestParameters(
    [property: Key(0)] string RunId,
    [property: Key(1)] long Version,
    [property: Key(2)] string WorkerId) : IRunMessage;

/// <summary>
/// Worker → parameter server: the summed gradient of the aligned sub-tree [Lo, Hi) of step
/// <paramref name="Step"/>, computed at <paramref name="ParameterVersion"/> — whole, or (synchronous
/// mode) one part of it: parameters [<paramref name="Offset"/>, Offset + Gradient.Length / 4),
/// whole parts of <c>GradientParts.For</c> the model. The loss travels with the part at offset 0.
/// </summary>
[MessagePackObject]
public sealed record GradientComputed(
    [property: Key(0)] string RunId,
    [property: Key(1)] long Step,
    [property: Key(2)] int Lo,
    [property: Key(3)] int Hi,
    [property: Key(4)][property: MessagePackFormatter(typeof(Serialization.PooledBlobFormatter))] byte[] Gradient,
    [property: Key(5)] double LossSum,
    [property: Key(6)] int Tokens,
    [property: Key(7)] string WorkerId,
    [property: Key(8)] long ParameterVersion,
    [property: Key(9)] int Offset = 0) : IRunMessage;

/// <summary>Worker → coordinator: finished an assignment (timings for the step breakdown).</summary>
[MessagePackObject]
public sealed record WorkDone(
    [property: Key(0)] string RunId,
    [property: Key(1)] long Step,
    [property: Key(2)] string WorkerId,
    [property: Key(3)] double ComputeMs,
    [property: Key(4)] double WaitMs) : IRunMessage;

/// <summary>Parameter server → worker (async): verdict on a gradient, with the current parameters to continue from.</summary>
[MessagePackObject]
public sealed record AsyncVerdict(
    [property: Key(0)] string RunId,
    [property: Key(1)] long Sequence,
    [property: Key(2)] bool Accepted,
    [property: Key(3)] long CurrentVersion,
    [property: Key(4)][property: MessagePackFormatter(typeof(Serialization.PooledBlobFormatter))] byte[] Parameters) : IRunMessage;

/// <summary>Coordinator → worker: compute the validation loss at this parameter version.</summary>
[MessagePackObject]
public sealed record EvaluateRequest([property: Key(0)] string RunId, [property: Key(1)] long Version) : IRunMessage;

[MessagePackObject]
public sealed record EvaluationResult(
    [property: Key(0)] string RunId,
    [property: Key(1)] long Version,
    [property: Key(2)] double Loss,
    [property: Key(3)] string WorkerId) : IRunMessage;

/// <summary>Node agent → coordinator: this process takes part in the run; tell it when the run ends. Sent until acknowledged.</summary>
[MessagePackObject]
public sealed record RegisterNode([property: Key(0)] string NodeId, [property: Key(1)] int ProtocolVersion) : IRnnClusterMessage;

[MessagePackObject]
public sealed record NodeRegistered([property: Key(0)] string RunId) : IRunMessage;

/// <summary>Coordinator → everyone: the run is over (or aborted); stop working.</summary>
[MessagePackObject]
public sealed record RunEnded(
    [property: Key(0)] string RunId,
    [property: Key(1)] bool Success,
    [property: Key(2)] string Summary) : IRunMessage;
