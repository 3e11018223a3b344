
namespace RnnCluster.Training.Coordinator;

/// <summary>Ask the coordinator to stop after the current step, saving a checkpoint (Ctrl+C).</summary>
public sealed record StopGracefully(string Reason) : Akka.Actor.INoSerializationVerificationNeeded;
