namespace RnnCluster.Training.Messages;

/// <summary>
/// Marker of every message that may cross a node boundary: bound to
/// <see cref="Serialization.MessagePackMessageSerializer"/>, never to Akka's JSON fallback.
/// </summary>
public interface IRnnClusterMessage;

/// <summary>A message that belongs to one run; receivers ignore (and log) messages of another run.</summary>
public interface IRunMessage : IRnnClusterMessage
{
    string RunId { get; }
}
