using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using RnnCluster.Core.Model;
using RnnCluster.Core.Steps;

namespace RnnCluster.Training.Worker;

/// <summary>
/// Fault injection for the local simulation and the fault-tolerance tests. <paramref name="DieAtStep"/>
/// kills the whole process as SIGKILL would, when its share of that step arrives: unlike killing it
/// from outside after some output line, it cannot come too late on a fast host, after the run ended.
/// <paramref name="Slowdown"/> makes the worker a straggler that computes that many times slower.
/// </summary>
public sealed record WorkerFaults(long? CrashAtStep = null, long? CorruptAtStep = null, WorkerExpectations? Expect = null, long? DieAtStep = null,
    double? Slowdown = null)
{
    public static readonly WorkerFaults None = new();
}
