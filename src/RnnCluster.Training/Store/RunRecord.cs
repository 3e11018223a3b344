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
using RnnCluster.Training.Wire;

namespace RnnCluster.Training.Store;

/// <summary>A run as recorded in the journal: its definition, where its checkpoints are, and the checkpoint policy it was created with (if stored).</summary>
public sealed record RunRecord(string RunId, RunDefinition Definition, DateTimeOffset CreatedAt, IReadOnlyList<CheckpointEntry> Checkpoints, CheckpointPolicy? Policy = null);
