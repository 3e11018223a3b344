using Akka.Actor;
using Akka.Persistence;

namespace RnnCluster.Training.Store;

/// <summary>A loaded snapshot, none (both null), or the reason loading failed (e.g. a row that does not deserialize).</summary>
public sealed record SnapshotLoadResult(SnapshotMetadata? Metadata, object? Snapshot, Exception? Failure);
