namespace RnnCluster.Training.Node;

/// <summary>A port this node must listen on stayed taken by another process for the whole wait.</summary>
public sealed class PortInUseException(string message) : Exception(message);
