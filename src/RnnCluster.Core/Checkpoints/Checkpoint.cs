using RnnCluster.Core.Model;
using RnnCluster.Core.Optim;
using RnnCluster.Core.Text;

namespace RnnCluster.Core.Checkpoints;

/// <summary>
/// Everything a training run needs to continue bit-exactly, and everything <c>generate</c> needs
/// to sample. <see cref="Parameters"/> is the flat buffer in <see cref="ParameterLayout"/> order;
/// <see cref="OptimizerState"/> is stored opaquely (Adam: 2 × parameters, SGD with momentum: 1 ×,
/// plain SGD: empty). <see cref="Step"/> is the number of optimizer steps applied.
/// Record equality compares the arrays by reference; compare their contents explicitly.
/// </summary>
public sealed record Checkpoint(
    string RunId,
    long Step,
    ModelDescription Model,
    Vocabulary Vocabulary,
    TrainingSettings Settings,
    float[] Parameters,
    float[] OptimizerState,
    CheckpointMetadata Metadata);
