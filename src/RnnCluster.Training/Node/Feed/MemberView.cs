namespace RnnCluster.Training.Node;

/// <summary>A cluster member as this node sees it; <paramref name="UpSince"/> is when this node first saw it Up.</summary>
public sealed record MemberView(string Address, IReadOnlyList<string> Roles, string Status, bool Reachable, DateTimeOffset? UpSince, bool Self);
