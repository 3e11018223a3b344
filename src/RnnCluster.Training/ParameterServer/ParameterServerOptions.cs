using Akka.Actor;
using Akka.Event;
using RnnCluster.Training.Node;

namespace RnnCluster.Training.ParameterServer;

/// <summary>How the parameter server stores checkpoints and runs its math.</summary>
/// <param name="Dispatcher">Dispatcher of the run actors: one with its own thread (RnnClusterHosting.ServerDispatcher) keeps the optimizer off the shared thread pool.</param>
/// <param name="LedgerPath">When set, one line per applied step naming every sub-tree and its worker (JSON lines), for audits and tests.</param>
public sealed record ParameterServerOptions(string Dispatcher = "akka.actor.default-dispatcher", TimeSpan? StoreTimeout = null, string? LedgerPath = null)
{
    public TimeSpan Timeout => StoreTimeout ?? TimeSpan.FromSeconds(60);
}
