namespace RnnCluster.Training.Wire;

/// <summary>A message that carries a <see cref="TensorBlob"/>: whoever holds the message owns one share of its blob.</summary>
public interface ITensorMessage : IRnnClusterMessage
{
    TensorBlob Blob { get; }

    /// <summary>The same message with another blob (the wire hands Akka.Remote a detached copy).</summary>
    ITensorMessage WithBlob(TensorBlob blob);
}
