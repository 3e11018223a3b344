using RnnCluster.Core.Model;
using RnnCluster.Core.Optim;
using RnnCluster.Core.Text;

namespace RnnCluster.Core.Checkpoints;

/// <summary>
/// Informational extras. They are stored and shown in listings but influence nothing else:
/// not the compatibility check, not the parameters, not the raw export.
/// </summary>
public sealed record CheckpointMetadata(float? LastTrainLoss = null, long? CreatedAtUnixMs = null)
{
    public static CheckpointMetadata None { get; } = new();
}
