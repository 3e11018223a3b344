using RnnCluster.Training.Hosting;
using Xunit.Abstractions;

namespace RnnCluster.Training.Tests;

public sealed class LocalSimulationTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(1, false)]
    [InlineData(3, false)]
    [InlineData(8, false)]
    [InlineData(3, true)]
    [InlineData(8, true)]
    public async Task Actor_system_reproduces_the_reference_bytes(int workers, bool serialize)
    {
        var fixture = new RunFixture($"bytes-{workers}-{serialize}");
        using var store = new TempStore();
        var (ended, outcome) = await TrainingSession.RunAsync(fixture.Session(store.Options, fixture.Request(fixture.Steps, minWorkers: workers), workers, serialize));
        output.WriteLine(ended.Summary);
        Assert.True(ended.Success, ended.Summary);
        Assert.Equal(fixture.Steps, outcome!.Steps);
        Assert.Equal(fixture.ReferenceBytes(fixture.Steps), await store.FinalParameterBytes(fixture.RunId));
    }
}
