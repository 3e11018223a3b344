using Akka.Actor;

namespace RnnCluster.Training.Worker;

/// <summary>What <see cref="WorkerActor"/> tells itself: timers and the compute thread's answers; never sent to another node.</summary>
internal static class WorkerSignals
{
    internal sealed record RegisterTick : INoSerializationVerificationNeeded;

    internal sealed record ReplicaBuilt : INoSerializationVerificationNeeded;

    internal sealed record RetryParameters : INoSerializationVerificationNeeded;

    internal sealed record EvaluationDone(string RunId, long Version, double Loss) : INoSerializationVerificationNeeded;
}
