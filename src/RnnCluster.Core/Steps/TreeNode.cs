using System.Numerics;

namespace RnnCluster.Core.Steps;

/// <summary>
/// A node of the fixed reduction tree over micro-batches [0, M): the half-open range [Lo, Hi).
/// </summary>
public readonly record struct TreeNode(int Lo, int Hi)
{
    public int Count => Hi - Lo;

    public bool IsLeaf => Hi - Lo == 1;

    public override string ToString() => $"[{Lo},{Hi})";
}
