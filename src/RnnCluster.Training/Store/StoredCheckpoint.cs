using Akka.Actor;
using Akka.Hosting;
using Akka.Persistence;
using Akka.Persistence.Query;
using Akka.Persistence.Sql.Query;
using Akka.Streams;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using RnnCluster.Core.Checkpoints;
using RnnCluster.Training.ParameterServer;

namespace RnnCluster.Training.Store;

/// <summary>A checkpoint read back from the store, with the run's loss history.</summary>
public sealed record StoredCheckpoint(Checkpoint Checkpoint, TrainingHistory History, long SequenceNr, IReadOnlyList<string> Skipped);
