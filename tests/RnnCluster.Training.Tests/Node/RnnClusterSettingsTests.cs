using Microsoft.Extensions.Configuration;
using RnnCluster.Training.Coordinator;
using RnnCluster.Training.Node;

namespace RnnCluster.Training.Tests.Node;

public sealed class RnnClusterSettingsTests
{
    private static RnnClusterSettings From(params (string Key, string Value)[] values) =>
        RnnClusterSettings.From(new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => KeyValuePair.Create(v.Key, (string?)v.Value))).Build());

    [Fact]
    public void Without_overrides_every_role_has_its_defaults()
    {
        Assert.Equal(RnnClusterSettings.Default, From());
        Assert.Equal(RnnClusterSettings.Default, From(("hidden", "64"), ("seed:0", "akka.tcp://rnncluster@a:1"))); // option keys are not settings
    }

    [Fact]
    public void Sections_and_names_are_found_in_any_spelling_and_durations_in_any_unit()
    {
        var settings = From(("coordinator:worker-down-after", "10s"), ("Coordinator:MaxRefusalsPerMicroBatch", "5"), ("parameter_server:store_timeout", "2m"),
            ("worker:parameterRetry", "1500ms"), ("NODE:JOIN_TIMEOUT", "00:01:00"), ("coordinator:step-deadline-factor", "2.5"), ("node:outcome-wait", "7"));
        Assert.Equal(TimeSpan.FromSeconds(10), settings.Coordinator.WorkerDownAfter);
        Assert.Equal(5, settings.Coordinator.MaxRefusalsPerMicroBatch);
        Assert.Equal(2.5, settings.Coordinator.StepDeadlineFactor);
        Assert.Equal(TimeSpan.FromMinutes(2), settings.ParameterServer.StoreTimeout);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), settings.Worker.ParameterRetry);
        Assert.Equal(TimeSpan.FromMinutes(1), settings.Node.JoinTimeout);
        Assert.Equal(TimeSpan.FromSeconds(7), settings.Node.OutcomeWait);
        Assert.Equal(CoordinatorSettings.Default.BeginRetry, settings.Coordinator.BeginRetry); // untouched ones keep their defaults
    }

    [Fact]
    public void An_unknown_setting_or_a_bad_value_is_named()
    {
        Assert.Contains("Unknown setting 'coordinator:worker-down'; known: begin-retry,", Assert.Throws<FormatException>(() => From(("coordinator:worker-down", "1s"))).Message);
        Assert.Contains("'worker:register-interval' = 'soon' is not a valid duration", Assert.Throws<FormatException>(() => From(("worker:register-interval", "soon"))).Message);
        Assert.Contains("is not a valid count", Assert.Throws<FormatException>(() => From(("coordinator:warm-up-steps", "-1"))).Message);
        Assert.Throws<FormatException>(() => From(("parameter-server:ledger-path", "x"))); // not a timeout: the --ledger option sets it
    }
}
