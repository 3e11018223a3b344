using Akka.Actor;

namespace RnnCluster.Training.Coordinator;

/// <summary><see cref="Reception"/> → coordinator: a watched worker or server is gone (stopped, or its node unreachable or removed).</summary>
public sealed record ActorLost(IActorRef Actor, string Why) : INoSerializationVerificationNeeded;
