using System.Runtime.CompilerServices;
using RnnCluster.Core.Kernels;
using RnnCluster.Core.Memory;

namespace RnnCluster.Core.Steps;

/// <summary>
/// Sums node gradients of one step in the fixed <see cref="ReductionTree"/> order, whatever
/// order they arrive in: a node is merged with its sibling as soon as both are present. Leaves
/// (single micro-batches) and pre-reduced aligned sub-trees are both accepted.
/// The sum runs separately for each <see cref="GradientParts">part</see> of the parameter range,
/// so a part can be reduced while the rest of its micro-batch is still being backpropagated; the
/// sum is element-wise, so parts change nothing in the bytes. A node's sum lives in the slot of its
/// first micro-batch, whatever the part, so the root's sum is one contiguous buffer.
/// </summary>
public sealed unsafe class TreeReducer : IDisposable
{
    private readonly GradientParts _parts;
    private readonly HashSet<TreeNode>[] _pending; // per part: nodes summed but not yet merged
    private readonly bool[][] _received;           // per part, per micro-batch
    private readonly Dictionary<int, AlignedBuffer> _slots = new(); // by a node's first micro-batch
    private readonly Stack<AlignedBuffer> _free = new();
    private readonly List<SumOp> _plan = new();

    public TreeReducer(int count, int length) : this(count, GradientParts.Whole(length))
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
    }

    public TreeReducer(int count, GradientParts parts)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        Count = count;
        _parts = parts;
        _pending = new HashSet<TreeNode>[parts.Count];
        _received = new bool[parts.Count][];
        for (int j = 0; j < parts.Count; j++)
        {
            _pending[j] = [];
            _received[j] = new bool[count];
        }
    }

    public int Count { get; }

    public int Length => _parts.TotalSize;

    public GradientParts Parts => _parts;

    /// <summary>The threads an incoming gradient's sums are split over (the caller alone by default); the sum is element-wise, so the bytes do not change.</summary>
    public BlockParallel Parallel { get; set; } = BlockParallel.Sequential;

    /// <summary>Values per piece when a gradient's sums are split over threads.</summary>
    public const int ParallelChunk = 1 << 15;

    public bool IsComplete
    {
        get
        {
            var root = new TreeNode(0, Count);
            foreach (var pending in _pending)
                if (pending.Count != 1 || !pending.Contains(root))
                    return false;
            return true;
        }
    }

    /// <summary>The nodes whose sum is held in every part but not yet merged (for a worker: what it sends).</summary>
    public IEnumerable<TreeNode> PendingNodes => _pending[0].Where(InEveryPart).OrderBy(n => n.Lo);

    /// <summary>True when micro-batch m is summed in every part.</summary>
    public bool HasReceived(int microBatch)
    {
        foreach (var received in _received)
            if (!received[microBatch])
                return false;
        return true;
    }

    public ReadOnlySpan<float> PendingSum(TreeNode node) =>
        InEveryPart(node) ? _slots[node.Lo].Span : throw new KeyNotFoundException($"Node {node} is not pending.");

    /// <summary>Node [lo, hi)'s sum over <paramref name="range"/> (whole parts), once every micro-batch of the node is in those parts.</summary>
    public ReadOnlySpan<float> PendingSum(TreeNode node, GradientPart range)
    {
        if (_parts.Span(range.Offset, range.Length) is not var (first, last))
            throw new ArgumentException($"{range} is not made of whole parts of {_parts}.", nameof(range));
        for (int j = first; j <= last; j++)
            if (!_pending[j].Contains(node))
                throw new KeyNotFoundException($"Node {node} is not pending in part {_parts.InLayoutOrder[j]}.");
        return _slots[node.Lo].Span.Slice(range.Offset, range.Length);
    }

    /// <summary>The sum of all M gradients; only when <see cref="IsComplete"/>.</summary>
    public ReadOnlySpan<float> Result => MutableResult;

    /// <summary>The sum, writable: the optimizer clips it in place instead of copying it (valid until <see cref="Reset"/>).</summary>
    public Span<float> MutableResult =>
        IsComplete ? _slots[0].Span : throw new InvalidOperationException("Not all micro-batches have been reduced yet.");

    /// <summary>Adds the whole sum of node [lo, hi); returns false (and ignores it) when any of its micro-batches was already received.</summary>
    public bool Add(TreeNode node, ReadOnlySpan<float> sum)
    {
        CheckNode(node);
        if (sum.Length != Length)
            throw new ArgumentException($"Expected {Length} values, got {sum.Length}.", nameof(sum));
        for (int j = 0; j < _parts.Count; j++)
            if (ReceivedOf(node, j) > 0)
                return false;
        fixed (float* v = sum)
        {
            try
            {
                for (int j = 0; j < _parts.Count; j++)
                    PlanPart(node, j, v + _parts.InLayoutOrder[j].Offset);
                RunPlan();
            }
            finally
            {
                _plan.Clear(); // its pointers are pinned only inside this block
            }
        }
        return true;
    }

    /// <summary>
    /// Adds node [lo, hi)'s sum over [offset, offset + values.Length), which must be one or more
    /// whole consecutive parts. Each part is summed in, or ignored as a duplicate, or refused as an
    /// overlap, on its own.
    /// </summary>
    public ReduceResult Add(TreeNode node, int offset, ReadOnlySpan<float> values)
    {
        CheckNode(node);
        if (_parts.Span(offset, values.Length) is not var (first, last))
            throw new ArgumentException($"Values [{offset},{offset + values.Length}) are not whole parts of {_parts}.", nameof(values));
        int added = 0, duplicates = 0, overlaps = 0;
        bool addedFirst = false;
        fixed (float* v = values)
        {
            try
            {
                for (int j = first; j <= last; j++)
                {
                    var part = _parts.InLayoutOrder[j];
                    int seen = ReceivedOf(node, j);
                    if (seen == node.Count)
                        duplicates++;
                    else if (seen > 0)
                        overlaps++;
                    else
                    {
                        PlanPart(node, j, v + (part.Offset - offset));
                        added++;
                        addedFirst |= part.Offset == 0;
                    }
                }
                RunPlan();
            }
            finally
            {
                _plan.Clear(); // its pointers are pinned only inside this block
            }
        }
        return new ReduceResult(added, duplicates, overlaps, addedFirst);
    }

    /// <summary>
    /// Does part j's bookkeeping for an incoming node and plans its sums: merges with the pending
    /// siblings up the tree, each a <see cref="SumOp"/> run later by <see cref="RunPlan"/>. A slot
    /// released here may be taken again for another part before the plan runs; parts are disjoint
    /// ranges of a slot, so the values this part still reads there stay intact.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void PlanPart(TreeNode node, int j, float* v)
    {
        var part = _parts.InLayoutOrder[j];
        for (int m = node.Lo; m < node.Hi; m++)
            _received[j][m] = true;
        bool placed = false; // values not yet in a slot: the first merge reads them where they are
        while (ReductionTree.Parent(node, Count) is { } parent)
        {
            int mid = ReductionTree.SplitPoint(parent.Lo, parent.Hi);
            bool nodeIsLeft = node.Lo == parent.Lo;
            var sibling = nodeIsLeft ? new TreeNode(mid, parent.Hi) : new TreeNode(parent.Lo, mid);
            if (!_pending[j].Remove(sibling))
                break;
            var (left, right) = nodeIsLeft ? (node, sibling) : (sibling, node);
            float* sum = Slot(left.Lo) + part.Offset;
            float* leftValues = nodeIsLeft && !placed ? v : sum;
            float* rightValues = !nodeIsLeft && !placed ? v : Slot(right.Lo) + part.Offset;
            _plan.Add(new SumOp((nint)leftValues, (nint)rightValues, (nint)sum, part.Offset, part.Length)); // the parent's sum, in the left child's slot
            placed = true;
            ReleaseIfUnused(right.Lo);
            node = parent;
        }
        if (!placed)
            _plan.Add(new SumOp((nint)v, 0, (nint)(Slot(node.Lo) + part.Offset), part.Offset, part.Length));
        _pending[j].Add(node);
    }

    /// <summary>
    /// Runs the planned sums. On several threads the planned range is cut into chunks and each chunk
    /// runs every op in plan order over its piece: per element the order is the plan's, so the bytes
    /// are those of one thread (the sums are element-wise).
    /// </summary>
    private void RunPlan()
    {
        if (_plan.Count == 0)
            return;
        int lo = int.MaxValue, hi = 0;
        foreach (var op in _plan)
            (lo, hi) = (Math.Min(lo, op.Start), Math.Max(hi, op.Start + op.Length));
        if (Parallel.Threads == 1 || hi - lo < 2 * ParallelChunk)
        {
            foreach (var op in _plan)
                Execute(op, op.Start, op.Start + op.Length);
        }
        else
        {
            var plan = _plan;
            Parallel.For((hi - lo + ParallelChunk - 1) / ParallelChunk, c =>
            {
                int from = lo + c * ParallelChunk, to = Math.Min(hi, from + ParallelChunk);
                foreach (var op in plan)
                    if (Math.Max(op.Start, from) < Math.Min(op.Start + op.Length, to))
                        Execute(op, Math.Max(op.Start, from), Math.Min(op.Start + op.Length, to));
            });
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Execute(SumOp op, int from, int to)
    {
        int d = from - op.Start;
        if (op.B == 0)
            new ReadOnlySpan<float>((float*)op.A + d, to - from).CopyTo(new Span<float>((float*)op.Dst + d, to - from));
        else
            Elementwise.Add((float*)op.A + d, (float*)op.B + d, (float*)op.Dst + d, to - from);
    }

    /// <summary>dst = a + b (or a copied when B is 0) over buffer elements [Start, Start + Length).</summary>
    private readonly record struct SumOp(nint A, nint B, nint Dst, int Start, int Length);

    /// <summary>Forgets everything received, keeping the buffers for the next step.</summary>
    public void Reset()
    {
        foreach (var pending in _pending)
            pending.Clear();
        foreach (var received in _received)
            Array.Clear(received);
        foreach (var slot in _slots.Values)
            _free.Push(slot);
        _slots.Clear();
    }

    /// <summary>How many of the node's micro-batches part j already holds.</summary>
    private int ReceivedOf(TreeNode node, int j)
    {
        int seen = 0;
        for (int m = node.Lo; m < node.Hi; m++)
            if (_received[j][m])
                seen++;
        return seen;
    }

    private void CheckNode(TreeNode node)
    {
        if (!ReductionTree.IsNode(node, Count))
            throw new ArgumentException($"{node} is not an aligned sub-tree of the reduction over {Count} micro-batches.", nameof(node));
    }

    private bool InEveryPart(TreeNode node)
    {
        foreach (var pending in _pending)
            if (!pending.Contains(node))
                return false;
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private float* Slot(int lo)
    {
        if (!_slots.TryGetValue(lo, out var slot))
            _slots.Add(lo, slot = _free.Count > 0 ? _free.Pop() : new AlignedBuffer(Length));
        return slot.Pointer;
    }

    private void ReleaseIfUnused(int lo)
    {
        foreach (var pending in _pending)
            foreach (var node in pending)
                if (node.Lo == lo)
                    return;
        if (_slots.Remove(lo, out var slot))
            _free.Push(slot);
    }

    public void Dispose()
    {
        foreach (var slot in _slots.Values)
            slot.Dispose();
        foreach (var slot in _free)
            slot.Dispose();
        _slots.Clear();
        _free.Clear();
    }
}
