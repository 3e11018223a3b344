using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using RnnCluster.Core.Model;
using RnnCluster.Core.Steps;

namespace RnnCluster.Training.Worker;

/// <summary>A worker tells its supervisor why it stops of its own accord.</summary>
public sealed record WorkerGaveUp(string Reason) : INoSerializationVerificationNeeded;
