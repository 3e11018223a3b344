using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using RnnCluster.Training.Node;

namespace RnnCluster.Training.Tests.Wire;

/// <summary>
/// A bare actor system configured exactly like a node's serialization: the production
/// <see cref="RnnClusterHosting.WithRnnClusterSerialization"/> on an Akka.Hosting builder, no
/// remoting or persistence. Shared by the tests of a class.
/// </summary>
public sealed class SerializationSystem : IAsyncLifetime
{
    private IHost? _host;

    public ActorSystem System { get; private set; } = null!;

    public Akka.Serialization.Serialization Serialization => System.Serialization;

    public async Task InitializeAsync()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddAkka("serialization-tests", akka => akka
            .WithRnnClusterSerialization(serializeAllMessages: false)
            .AddHocon("akka.loglevel = WARNING", HoconAddMode.Prepend));
        _host = builder.Build();
        await _host.StartAsync();
        System = _host.Services.GetRequiredService<ActorSystem>();
    }

    public async Task DisposeAsync()
    {
        if (_host is null)
            return;
        await _host.StopAsync();
        _host.Dispose();
    }
}
