using System.CommandLine;
using RnnCluster.Cli.Display;
using RnnCluster.Cli.Running;
using RnnCluster.Training.Node;

namespace RnnCluster.Cli.Commands;

/// <summary>`train`: the local simulation — coordinator, parameter server and N workers in one process.</summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var run = new RunArguments();
        var store = new StoreArguments();
        var workers = new Option<int>("--workers") { Description = "simulated worker actors", DefaultValueFactory = _ => 2 };
        var faults = new FaultArguments();
        var http = new HttpArguments();
        var serialize = new Option<bool>("--serialize-messages") { Description = "force every message through the MessagePack serializer, as on a cluster" };
        var plain = new Option<bool>("--plain") { Description = "plain log lines instead of the live display" };
        var verbose = new Option<bool>("--verbose") { Description = "Akka's informational log lines" };
        var samples = new Option<int>("--samples") { Description = "text samples generated at the end", DefaultValueFactory = _ => 3 };

        var command = new Command("train", "Train a model in one process (coordinator, parameter server and simulated workers)");
        run.AddTo(command);
        store.AddTo(command);
        faults.AddTo(command);
        http.AddTo(command);
        foreach (var option in new Option[] { workers, serialize, plain, verbose, samples })
            command.Options.Add(option);

        command.SetAction(async (p, cancel) => await CommandRunner.Guard(async () =>
        {
            var settings = ConfiguredDefaults.Settings();
            var storeOptions = store.Read(p);
            int workerCount = p.GetValue(workers);
            if (workerCount < 1)
                throw new UsageException("--workers must be at least 1.");
            if (p.GetValue(samples) < 0)
                throw new UsageException("--samples must be >= 0.");
            var faultsOf = faults.Read(p, workerCount);
            var endpoint = http.Read(p);

            var plan = await RunPlanner.PlanAsync(p, run, storeOptions);
            var request = plan.Request with { MinWorkers = workerCount };
            var feed = endpoint is null ? null : new RunFeed();
            await using var dashboard = await DashboardHosting.StartAsync(endpoint, storeOptions, feed);
            RunReport.PrintHeader(plan, storeOptions, $"{workerCount} simulated worker{(workerCount == 1 ? "" : "s")} in one process");

            var reporter = ProgressReporter.Create(p.GetValue(plain));
            var session = new SessionOptions("local", new MembershipOptions(SerializeAllMessages: p.GetValue(serialize), LogLevel: p.GetValue(verbose) ? "INFO" : "WARNING"),
                storeOptions, request,
                Enumerable.Range(0, workerCount).Select(i => ($"w{i}", faultsOf(i))).ToList(),
                reporter.OnProgress, WorkersAreAllThereIs: true, PinComputeThreads: true, Settings: settings, Feed: feed);
            var (ended, outcome) = await reporter.ShowWhile(() => TrainingSession.RunAsync(session, cancel));
            return await RunReport.FinishAsync(ended, outcome, storeOptions, request.RunId, p.GetValue(samples));
        }));
        return command;
    }
}
