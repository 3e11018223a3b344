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

namespace RnnCluster.Training.Store;

/// <summary>A checkpoint the journal recorded; <see cref="Available"/> says whether its snapshot row still exists.</summary>
public sealed record CheckpointEntry(long Step, long SequenceNr, DateTimeOffset CreatedAt, bool Available);
