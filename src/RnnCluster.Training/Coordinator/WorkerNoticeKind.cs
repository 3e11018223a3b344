namespace RnnCluster.Training.Coordinator;

/// <summary>What a <see cref="WorkerNotice"/> reports.</summary>
public enum WorkerNoticeKind
{
    /// <summary>The worker reported ready for the run.</summary>
    Ready,

    /// <summary>The worker (or its node) is gone; what it held is handed out again.</summary>
    Lost,

    /// <summary>The parameter server refused one of its gradients.</summary>
    Refused,

    /// <summary>It was handed micro-batches another worker held (a backup assignment).</summary>
    Backup,
}
