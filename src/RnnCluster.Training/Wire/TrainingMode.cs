using MessagePack;

namespace RnnCluster.Training.Wire;

public enum TrainingMode
{
    Sync = 0,
    Async = 1,
}
