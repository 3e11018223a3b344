namespace RnnCluster.Training.Wire;

/// <summary>
/// Marker of every message that may cross a node boundary: bound to
/// <see cref="MessagePackMessageSerializer"/>, never to Akka's JSON fallback.
/// </summary>
public interface IRnnClusterMessage;
