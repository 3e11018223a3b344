namespace RnnCluster.Core.Optim;

public enum OptimizerKind
{
    Sgd = 0,
    Adam = 1,
    AdamW = 2,
    RmsProp = 3,
}
