namespace RnnCluster.Core.Checkpoints;

/// <summary>A checkpoint that cannot be written, read or resumed; the message names what differs or is wrong.</summary>
public sealed class CheckpointException : Exception
{
    public CheckpointException(CheckpointErrorKind kind, string message)
        : base(message) => Kind = kind;

    public CheckpointException(CheckpointErrorKind kind, string message, Exception? innerException)
        : base(message, innerException) => Kind = kind;

    public CheckpointErrorKind Kind { get; }
}
