using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using RnnCluster.Training.Coordinator;
using RnnCluster.Training.Wire;
using RnnCluster.Training.Worker;

namespace RnnCluster.Training.Node;

/// <summary>What one process contributes to a run.</summary>
/// <param name="Request">The run to coordinate, on the coordinator node; null elsewhere.</param>
/// <param name="Workers">The worker actors this process hosts.</param>
/// <param name="WorkersAreAllThereIs">
/// The local simulation: no other process can bring workers, so when every worker of this process
/// has stopped (crashed, refused the run) the run fails instead of waiting for one forever.
/// </param>
/// <param name="Feed">Where this node reports its run and its cluster for the dashboard; null without one.</param>
/// <param name="Settings">Every role's timeouts and limits (defaults when null).</param>
/// <param name="PinComputeThreads">
/// Bind worker i's compute thread to the process's i-th CPU, modulo their count. Left to itself, Linux often ran two
/// compute threads on one CPU (woken next to the thread that posted their work) while the other
/// idled; in a process that owns the machine's workers (the local simulation) pinning avoids that.
/// Several worker processes on one host are placed with `taskset` instead.
/// </param>
public sealed record SessionOptions(
    string NodeId,
    MembershipOptions Membership,
    StoreOptions? Store,
    RunRequest? Request,
    IReadOnlyList<(string Id, WorkerFaults Faults)> Workers,
    Action<RunProgress>? OnProgress = null,
    LogLevel MinimumLogLevel = LogLevel.Warning,
    bool BulkChannel = false,
    Action<string>? OnListening = null,
    string? LedgerPath = null,
    bool WorkersAreAllThereIs = false,
    bool PinComputeThreads = false,
    RnnClusterSettings? Settings = null,
    RunFeed? Feed = null);
