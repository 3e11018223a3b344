using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace RnnCluster.Training.Node;

/// <summary>Tells Akka.Hosting's liveness check (WithActorSystemLivenessCheck) from its readiness checks.</summary>
public static class AkkaHealth
{
    /// <summary>Akka.Hosting tags its liveness check "liveness" and its cluster check "ready".</summary>
    public static bool IsLiveness(HealthCheckRegistration registration) => registration.Tags.Contains("liveness");
}
