using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using RnnCluster.Core.Model;
using RnnCluster.Core.Steps;

namespace RnnCluster.Training.Worker;

/// <summary>Fault injection for the local simulation and the fault-tolerance tests.</summary>
public sealed record WorkerFaults(long? CrashAtStep = null, long? CorruptAtStep = null, WorkerExpectations? Expect = null)
{
    public static readonly WorkerFaults None = new();
}
