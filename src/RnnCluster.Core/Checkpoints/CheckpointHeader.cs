using RnnCluster.Core.Model;
using RnnCluster.Core.Optim;
using RnnCluster.Core.Text;

namespace RnnCluster.Core.Checkpoints;

/// <summary>A checkpoint without its two big arrays: what listings and resume decisions need.</summary>
public sealed record CheckpointHeader(
    string RunId,
    long Step,
    ModelDescription Model,
    Vocabulary Vocabulary,
    TrainingSettings Settings,
    CheckpointMetadata Metadata,
    int ParameterCount,
    int OptimizerStateCount,
    long FileLength);
