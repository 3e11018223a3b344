namespace RnnCluster.Cli.Commands;

/// <summary>A user error with a message meant for the user (no stack trace).</summary>
public sealed class UsageException(string message) : Exception(message);
