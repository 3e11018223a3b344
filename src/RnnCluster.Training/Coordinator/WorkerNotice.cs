using Akka.Actor;

namespace RnnCluster.Training.Coordinator;

/// <summary>
/// Published on the coordinator node's event stream when something happens to one worker, for
/// observers (the dashboard's worker table, the metrics); never sent between nodes.
/// </summary>
public sealed record WorkerNotice(string RunId, string WorkerId, WorkerNoticeKind Kind, long Step, string? Detail = null) : INoSerializationVerificationNeeded
{
    public static WorkerNotice Of(GradientRefused refused) => new(refused.RunId, refused.WorkerId, WorkerNoticeKind.Refused, refused.Step, refused.Reason);
}
