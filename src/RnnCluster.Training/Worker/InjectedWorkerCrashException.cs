using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using RnnCluster.Core.Model;
using RnnCluster.Core.Steps;

namespace RnnCluster.Training.Worker;

public sealed class InjectedWorkerCrashException(string workerId, long step)
    : Exception($"Worker {workerId} crashed at step {step} (fault injected with --fail-worker).");
