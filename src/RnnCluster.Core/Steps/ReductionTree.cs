using System.Numerics;

namespace RnnCluster.Core.Steps;

/// <summary>
/// The fixed order in which the M micro-batch gradients of a step are summed. Node [lo, hi)
/// with n = hi − lo &gt; 1 splits at lo + (largest power of two below n), so for M = 8 the tree is
/// ((0+1)+(2+3))+((4+5)+(6+7)). Float addition is commutative, so only the tree's shape fixes
/// the bits: whoever holds all leaves of a node (an "aligned sub-tree") may pre-reduce it and the
/// final sum is identical.
/// </summary>
public static class ReductionTree
{
    public static int SplitPoint(int lo, int hi)
    {
        int n = hi - lo;
        if (n < 2)
            throw new ArgumentException($"Node [{lo},{hi}) has no children.");
        return lo + (int)BitOperations.RoundUpToPowerOf2((uint)n) / 2;
    }

    /// <summary>True when [lo, hi) is a node of the tree over [0, count).</summary>
    public static bool IsNode(TreeNode node, int count)
    {
        if (node.Lo < 0 || node.Hi > count || node.Lo >= node.Hi)
            return false;
        int lo = 0, hi = count;
        while (true)
        {
            if (lo == node.Lo && hi == node.Hi)
                return true;
            if (hi - lo < 2)
                return false;
            int mid = SplitPoint(lo, hi);
            if (node.Hi <= mid)
                hi = mid;
            else if (node.Lo >= mid)
                lo = mid;
            else
                return false;
        }
    }

    /// <summary>The parent of a node of the tree over [0, count); null for the root.</summary>
    public static TreeNode? Parent(TreeNode node, int count)
    {
        if (!IsNode(node, count))
            throw new ArgumentException($"{node} is not a node of the reduction tree over {count} micro-batches.");
        int lo = 0, hi = count;
        TreeNode? parent = null;
        while (!(lo == node.Lo && hi == node.Hi))
        {
            parent = new TreeNode(lo, hi);
            int mid = SplitPoint(lo, hi);
            if (node.Hi <= mid) hi = mid; else lo = mid;
        }
        return parent;
    }

    /// <summary>
    /// The largest nodes made only of the given micro-batches: what a worker holding them may
    /// pre-reduce and send, ordered by Lo.
    /// </summary>
    public static IReadOnlyList<TreeNode> Cover(IEnumerable<int> microBatches, int count)
    {
        var set = new bool[count];
        foreach (int m in microBatches)
        {
            if ((uint)m >= (uint)count)
                throw new ArgumentOutOfRangeException(nameof(microBatches), m, $"Micro-batch outside [0, {count}).");
            set[m] = true;
        }
        var result = new List<TreeNode>();
        Collect(0, count, set, result);
        return result;
    }

    private static bool Collect(int lo, int hi, bool[] set, List<TreeNode> result)
    {
        if (hi - lo == 1)
        {
            if (set[lo])
                result.Add(new TreeNode(lo, hi));
            return set[lo];
        }
        int mid = SplitPoint(lo, hi);
        int before = result.Count;
        bool left = Collect(lo, mid, set, result);
        bool right = Collect(mid, hi, set, result);
        if (left && right)
        {
            result.RemoveRange(before, result.Count - before);
            result.Add(new TreeNode(lo, hi));
            return true;
        }
        return false;
    }
}
