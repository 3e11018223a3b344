namespace RnnCluster.Dashboard;

/// <summary>The body of POST /api/generate; null fields take the `generate` command's defaults.</summary>
public sealed record GenerateRequest(string? Run, long? Step, string? Prime, int? Length, double? Temperature, int? TopK, ulong? Seed);
