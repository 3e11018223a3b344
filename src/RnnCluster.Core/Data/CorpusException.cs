namespace RnnCluster.Core.Data;

/// <summary>A training text that cannot be used; the message is meant for the person who supplied it.</summary>
public sealed class CorpusException : Exception
{
    public CorpusException(string message)
        : base(message)
    {
    }

    public CorpusException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
