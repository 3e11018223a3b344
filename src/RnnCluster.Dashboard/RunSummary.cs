namespace RnnCluster.Dashboard;

/// <summary>One entry of /api/runs; what the store does not know yet (a live run before its first checkpoint) is null.</summary>
public sealed record RunSummary(
    string Id,
    bool Live,
    DateTimeOffset? CreatedAt,
    string? Model,
    long? Parameters,
    string? Mode,
    string? Corpus,
    IReadOnlyDictionary<string, object>? Settings,
    IReadOnlyList<long> Checkpoints);
