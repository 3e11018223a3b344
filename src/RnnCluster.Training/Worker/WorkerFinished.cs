using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using RnnCluster.Core.Model;
using RnnCluster.Core.Steps;

namespace RnnCluster.Training.Worker;

/// <summary>A worker tells its supervisor the run it worked for is over (it stops without failing).</summary>
public sealed record WorkerFinished(string RunId) : INoSerializationVerificationNeeded;
