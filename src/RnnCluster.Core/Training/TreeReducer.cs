using RnnCluster.Core.Kernels;
using RnnCluster.Core.Memory;

namespace RnnCluster.Core.Training;

/// <summary>
/// Sums node gradients of one step in the fixed <see cref="ReductionTree"/> order, whatever
/// order they arrive in: a node is merged with its sibling as soon as both are present, so at
/// most one buffer per pending node is held. Leaves (single micro-batches) and pre-reduced
/// aligned sub-trees are both accepted; a node overlapping one already received is refused.
/// </summary>
public sealed unsafe class TreeReducer : IDisposable
{
    private readonly Dictionary<TreeNode, AlignedBuffer> _pending = new();
    private readonly Stack<AlignedBuffer> _free = new();
    private readonly bool[] _received;

    public TreeReducer(int count, int length)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        Count = count;
        Length = length;
        _received = new bool[count];
    }

    public int Count { get; }

    public int Length { get; }

    public bool IsComplete => _pending.Count == 1 && _pending.ContainsKey(new TreeNode(0, Count));

    /// <summary>The nodes held but not yet merged (for a worker: what it sends).</summary>
    public IEnumerable<TreeNode> PendingNodes => _pending.Keys.OrderBy(n => n.Lo);

    public bool HasReceived(int microBatch) => _received[microBatch];

    public ReadOnlySpan<float> PendingSum(TreeNode node) =>
        _pending.TryGetValue(node, out var buffer) ? buffer.Span : throw new KeyNotFoundException($"Node {node} is not pending.");

    /// <summary>The sum of all M gradients; only when <see cref="IsComplete"/>.</summary>
    public ReadOnlySpan<float> Result => MutableResult;

    /// <summary>The sum, writable: the optimizer clips it in place instead of copying it (valid until <see cref="Reset"/>).</summary>
    public Span<float> MutableResult =>
        IsComplete ? _pending[new TreeNode(0, Count)].Span : throw new InvalidOperationException("Not all micro-batches have been reduced yet.");

    /// <summary>Adds the sum of node [lo, hi); returns false (and ignores it) when any of its micro-batches was already received.</summary>
    public bool Add(TreeNode node, ReadOnlySpan<float> sum)
    {
        if (!ReductionTree.IsNode(node, Count))
            throw new ArgumentException($"{node} is not an aligned sub-tree of the reduction over {Count} micro-batches.", nameof(node));
        if (sum.Length != Length)
            throw new ArgumentException($"Expected {Length} values, got {sum.Length}.", nameof(sum));
        for (int m = node.Lo; m < node.Hi; m++)
            if (_received[m])
                return false;
        for (int m = node.Lo; m < node.Hi; m++)
            _received[m] = true;

        var buffer = Rent();
        sum.CopyTo(buffer.Span);
        while (ReductionTree.Parent(node, Count) is { } parent)
        {
            int mid = ReductionTree.SplitPoint(parent.Lo, parent.Hi);
            var sibling = node.Lo == parent.Lo ? new TreeNode(mid, parent.Hi) : new TreeNode(parent.Lo, mid);
            if (!_pending.Remove(sibling, out var siblingBuffer))
                break;
            Elementwise.AddInPlace(buffer.Pointer, siblingBuffer.Pointer, Length);
            _free.Push(siblingBuffer);
            node = parent;
        }
        _pending.Add(node, buffer);
        return true;
    }

    /// <summary>Forgets everything received, keeping the buffers for the next step.</summary>
    public void Reset()
    {
        foreach (var buffer in _pending.Values)
            _free.Push(buffer);
        _pending.Clear();
        Array.Clear(_received);
    }

    private AlignedBuffer Rent() => _free.Count > 0 ? _free.Pop() : new AlignedBuffer(Length);

    public void Dispose()
    {
        foreach (var buffer in _pending.Values)
            buffer.Dispose();
        foreach (var buffer in _free)
            buffer.Dispose();
        _pending.Clear();
        _free.Clear();
    }
}
