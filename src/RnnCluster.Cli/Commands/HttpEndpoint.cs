namespace RnnCluster.Cli.Commands;

/// <summary>What --http and its token resolve to; <paramref name="Token"/> null means no token is asked for (loopback only).</summary>
internal sealed record HttpEndpoint(string Host, int Port, string? Token);
