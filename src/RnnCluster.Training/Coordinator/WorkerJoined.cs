using Akka.Actor;

namespace RnnCluster.Training.Coordinator;

/// <summary><see cref="Reception"/> → coordinator: a worker registered for the first time (it has been sent the welcome).</summary>
public sealed record WorkerJoined(IActorRef Worker, string WorkerId) : INoSerializationVerificationNeeded;
