namespace RnnCluster.Training.Node;

/// <summary>
/// What a <see cref="RunFeed"/> knows at one moment. <paramref name="Train"/> holds the training
/// loss points from index <paramref name="TrainFrom"/> on (a live client asks only for new ones).
/// </summary>
/// <param name="State">idle (no run on this node), waiting (run offered, no step yet), running, ended or failed.</param>
public sealed record FeedSnapshot(
    long Version,
    string? RunId,
    string State,
    ProgressView? Progress,
    int TrainFrom,
    IReadOnlyList<LossPoint> Train,
    IReadOnlyList<LossPoint> Validation,
    IReadOnlyList<WorkerView> Workers,
    IReadOnlyList<StepView> Timeline,
    IReadOnlyList<SavedCheckpointView> Checkpoints,
    IReadOnlyList<MemberView> Members,
    IReadOnlyList<string> Events);
