using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using RnnCluster.Core.Checkpoints;
using RnnCluster.Core.Optim;
using RnnCluster.Core.Steps;

namespace RnnCluster.Training.ParameterServer;

public static class PersistenceIds
{
    public const string RunPrefix = "rnncluster-run-";

    public static string ForRun(string runId) => RunPrefix + runId;
}
