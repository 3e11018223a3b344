using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using RnnCluster.Training.Coordinator;

namespace RnnCluster.Training.Node;

/// <summary>How a session ended: the run's end (or failure), or this node lost its cluster.</summary>
public sealed record SessionResult(RunEnded Ended, RunOutcome? Outcome, bool LostCluster)
{
    public void Deconstruct(out RunEnded ended, out RunOutcome? outcome)
    {
        ended = Ended;
        outcome = Outcome;
    }
}
