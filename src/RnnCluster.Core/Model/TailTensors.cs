namespace RnnCluster.Core.Model;

/// <summary>One adaptive-softmax cluster: the projection (H, d) and the output weights (d, cluster size).</summary>
public sealed record TailTensors(TensorSpec Projection, TensorSpec Weight);
