namespace RnnCluster.Training.Node;

/// <summary>A checkpoint saved during this session, as the coordinator heard of it.</summary>
public sealed record SavedCheckpointView(long Step, DateTimeOffset SavedAt, double SaveMs);
