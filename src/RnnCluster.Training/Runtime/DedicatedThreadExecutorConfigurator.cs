using Akka.Configuration;
using Akka.Dispatch;

namespace RnnCluster.Training.Runtime;

/// <summary>
/// Akka executor for the parameter server's dispatcher: one dedicated OS thread that runs the
/// mailboxes given to it and sleeps in between. It keeps the optimizer's math off the shared thread
/// pool (akka.net #4419) like a PinnedDispatcher, without the spinning of the pinned dispatcher's
/// pool, whose idle thread stayed runnable for most of a step and preempted the workers' compute
/// threads on a saturated machine (docs/decisions/0013-no-spinning-waits.md).
/// Configured as <c>executor = "DedicatedThreadExecutorConfigurator, RnnCluster.Training"</c>.
/// </summary>
public sealed class DedicatedThreadExecutorConfigurator(Config config, IDispatcherPrerequisites prerequisites)
    : ExecutorServiceConfigurator(config, prerequisites)
{
    public override ExecutorService Produce(string id) => new DedicatedThreadExecutor(id);
}
