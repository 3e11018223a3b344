namespace RnnCluster.Core.Model;

public sealed record LayerTensors(TensorSpec Wx, TensorSpec Wh, TensorSpec Bx, TensorSpec? Bh);
