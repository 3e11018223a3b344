using RnnCluster.Core.Model;
using RnnCluster.Core.Optim;

namespace RnnCluster.Core.Steps;

/// <summary>What one step did.</summary>
public readonly record struct StepReport(long Step, double Loss, UpdateResult Update);
