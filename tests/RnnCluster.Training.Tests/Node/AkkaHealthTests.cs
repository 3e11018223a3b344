using Akka.Cluster.Hosting;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using RnnCluster.Training.Node;
using Xunit.Abstractions;

namespace RnnCluster.Training.Tests.Node;

public sealed class AkkaHealthTests(ITestOutputHelper output)
{
    [Fact]
    public void The_liveness_check_is_told_from_the_cluster_readiness_check()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddHealthChecks();
        builder.Services.AddAkka("health", akka => akka.WithActorSystemLivenessCheck().WithAkkaClusterReadinessCheck());
        using var host = builder.Build();
        var registrations = host.Services.GetRequiredService<IOptions<HealthCheckServiceOptions>>().Value.Registrations;
        foreach (var r in registrations)
            output.WriteLine($"{r.Name}: [{string.Join(", ", r.Tags)}] liveness={AkkaHealth.IsLiveness(r)}");

        Assert.Equal(2, registrations.Count);
        Assert.Single(registrations, AkkaHealth.IsLiveness);
    }
}
