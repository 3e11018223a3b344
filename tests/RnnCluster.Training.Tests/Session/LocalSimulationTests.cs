using RnnCluster.Core.Model;
using RnnCluster.Training.Node;
using RnnCluster.Training.Tests.Store;
using RnnCluster.Training.Tests.Support;
using Xunit.Abstractions;

namespace RnnCluster.Training.Tests.Session;

public sealed class LocalSimulationTests(ITestOutputHelper output)
{
    [Theory]
    [StoreData(StoreKind.Sqlite, 1, false)]
    [StoreData(StoreKind.Sqlite, 3, false)]
    [StoreData(StoreKind.Sqlite, 8, false)]
    [StoreData(StoreKind.Sqlite, 3, true)]
    [StoreData(StoreKind.Sqlite, 8, true)]
    [StoreData(StoreKind.Postgres, 3, false)]
    [StoreData(StoreKind.Postgres, 3, true)]
    public async Task Actor_system_reproduces_the_reference_bytes(StoreKind kind, int workers, bool serialize)
    {
        var fixture = new RunFixture($"bytes-{workers}-{serialize}");
        await using var store = await StoreFixture.CreateAsync(kind);
        var (ended, outcome) = await TrainingSession.RunAsync(fixture.Session(store.Options, fixture.Request(fixture.Steps, minWorkers: workers), workers, serialize));
        output.WriteLine(ended.Summary);
        Assert.True(ended.Success, ended.Summary);
        Assert.Equal(fixture.Steps, outcome!.Steps);
        Assert.Equal(fixture.ReferenceBytes(fixture.Steps), await store.FinalParameterBytes(fixture.RunId));
    }

    [Theory]
    [StoreData(StoreKind.Sqlite, 1, false)]
    [StoreData(StoreKind.Sqlite, 3, true)]
    public async Task An_adaptive_softmax_run_reproduces_the_reference_bytes(StoreKind kind, int workers, bool serialize)
    {
        var fixture = new RunFixture($"adaptive-{workers}-{serialize}", softmax: SoftmaxHead.Adaptive([8, 20]));
        Assert.Equal(2, fixture.Model.StoredLayoutVersion);
        await using var store = await StoreFixture.CreateAsync(kind);
        var (ended, outcome) = await TrainingSession.RunAsync(fixture.Session(store.Options, fixture.Request(fixture.Steps, minWorkers: workers), workers, serialize));
        output.WriteLine(ended.Summary);
        Assert.True(ended.Success, ended.Summary);
        Assert.Equal(fixture.Steps, outcome!.Steps);
        Assert.Equal(fixture.ReferenceBytes(fixture.Steps), await store.FinalParameterBytes(fixture.RunId));
    }
}
