namespace RnnCluster.Core.Optim;

/// <summary>
/// Optimizer hyper-parameters. Sgd uses Momentum (0 = plain SGD); Adam/AdamW use Beta1, Beta2,
/// Epsilon (AdamW decouples WeightDecay, Adam adds it to the gradient); RmsProp uses Alpha and
/// Epsilon (and Momentum if > 0).
/// </summary>
public sealed record OptimizerSettings(
    OptimizerKind Kind,
    float LearningRate,
    float Beta1 = 0.9f,
    float Beta2 = 0.999f,
    float Epsilon = 1e-8f,
    float WeightDecay = 0f,
    float Momentum = 0.9f,
    float Alpha = 0.99f);
