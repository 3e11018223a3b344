namespace RnnCluster.Training.Wire;

/// <summary>A message that belongs to one run; receivers ignore (and log) messages of another run.</summary>
public interface IRunMessage : IRnnClusterMessage
{
    string RunId { get; }
}
