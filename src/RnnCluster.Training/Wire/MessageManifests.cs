using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Serialization;
using MessagePack;
using MessagePack.Resolvers;
using RnnCluster.Training.Coordinator;
using RnnCluster.Training.Node;
using RnnCluster.Training.ParameterServer;
using RnnCluster.Training.Worker;

namespace RnnCluster.Training.Wire;

/// <summary>The explicit, stable manifest of every message type (type name + protocol version).</summary>
public static class MessageManifests
{
    public static readonly IReadOnlyList<Type> Types =
    [
        // run protocol
        typeof(BeginRun), typeof(RunReady), typeof(RunRefused), typeof(StepApplied), typeof(QueryMissing),
        typeof(MissingMicroBatches), typeof(GradientRefused), typeof(RunAborted), typeof(RequestCheckpoint), typeof(CheckpointSaved),
        typeof(RecordValidation), typeof(FinishRun), typeof(RunFinished),
        // worker protocol
        typeof(RegisterWorker), typeof(WorkerWelcome), typeof(WorkerRefused), typeof(WorkerReady), typeof(AssignWork),
        typeof(ParametersAvailable), typeof(RequestParameters), typeof(GradientComputed), typeof(WorkDone),
        typeof(AsyncVerdict), typeof(EvaluateRequest), typeof(EvaluationResult), typeof(RegisterNode), typeof(NodeRegistered), typeof(RunEnded),
        typeof(ParameterSlice),
        // shard protocol
        typeof(LocateShard), typeof(ShardLocated), typeof(StartShard), typeof(ShardStarted), typeof(ShardPeers), typeof(ShardReduced), typeof(ShardApplied), typeof(CollectShard), typeof(ShardCollected),
        // persistence
        typeof(RunCreated), typeof(CheckpointRecorded), typeof(ParameterServerSnapshot),
    ];

    public static readonly IReadOnlyDictionary<Type, string> ByType =
        Types.ToDictionary(t => t, t => $"{t.Name}.v{MessagePackMessageSerializer.ProtocolVersion}");

    public static readonly IReadOnlyDictionary<string, Type> ByManifest =
        ByType.ToDictionary(kv => kv.Value, kv => kv.Key);
}
