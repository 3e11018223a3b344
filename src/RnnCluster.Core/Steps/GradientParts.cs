using RnnCluster.Core.Model;

namespace RnnCluster.Core.Steps;

/// <summary>
/// The ranges in which a micro-batch's gradient is handed over while backpropagation is still
/// running. Backward finishes the output layer first, then the layers from the top down, then the
/// embedding, and the layout stores them in the opposite order, so what is final is always a tail
/// [o, end) of the flat buffer. Stages are grouped until a part holds at least a quarter of the
/// parameters (a smaller message costs more than its overlap gains); a remainder smaller than that
/// joins the part before it. For config b (E64 H256 L2) that is the top layer with the output
/// (62 %), sent while the bottom layer's backward runs, then the rest.
/// A pure function of the layout: worker and parameter server derive the same parts.
/// </summary>
public sealed class GradientParts
{
    /// <summary>A part holds at least TotalSize / MinimumShare values (except a model that is one part).</summary>
    public const int MinimumShare = 4;

    private readonly GradientPart[] _inLayoutOrder;

    private GradientParts(int totalSize, GradientPart[] inLayoutOrder)
    {
        TotalSize = totalSize;
        _inLayoutOrder = inLayoutOrder;
    }

    public int TotalSize { get; }

    /// <summary>The parts by increasing offset; the last one is final first.</summary>
    public IReadOnlyList<GradientPart> InLayoutOrder => _inLayoutOrder;

    public int Count => _inLayoutOrder.Length;

    /// <summary>
    /// The parts as a holder of <paramref name="range"/> sees them (a parameter-server shard): each
    /// part's overlap with the range, offsets relative to the range's start. A worker sends a shard
    /// exactly these pieces of each part, so the shard's reduction trees line up with its own.
    /// </summary>
    public GradientParts Within(GradientPart range)
    {
        if (range.Offset < 0 || range.Length < 0 || (long)range.Offset + range.Length > TotalSize)
            throw new ArgumentOutOfRangeException(nameof(range), range, $"Not a range of the {TotalSize} values.");
        var pieces = _inLayoutOrder
            .Select(p => (Start: Math.Max(p.Offset, range.Offset), End: Math.Min(p.Offset + p.Length, range.Offset + range.Length)))
            .Where(p => p.Start < p.End)
            .Select(p => new GradientPart(p.Start - range.Offset, p.End - p.Start))
            .ToArray();
        return new GradientParts(range.Length, pieces.Length > 0 ? pieces : [new GradientPart(0, range.Length)]);
    }

    /// <summary>The whole gradient as one part (no streaming).</summary>
    public static GradientParts Whole(int totalSize) => new(totalSize, [new GradientPart(0, totalSize)]);

    public static GradientParts For(ParameterLayout layout)
    {
        // Where each backward stage's final tail begins, in the order backward finishes them.
        var stageStarts = new List<int> { layout.OutputWeight.Offset };
        for (int l = layout.Layers.Count - 1; l >= 1; l--)
            stageStarts.Add(layout.Layers[l].Wx.Offset);
        stageStarts.Add(0); // the first layer and the embedding finish together at the very end

        int minimum = layout.TotalSize / MinimumShare;
        var cuts = new List<int>(); // part starts, from the end of the buffer down
        int end = layout.TotalSize;
        foreach (int start in stageStarts)
        {
            if (end - start < minimum)
                continue;
            cuts.Add(start);
            end = start;
        }
        if (cuts.Count == 0 || cuts[^1] != 0)
        {
            // The remainder is too small for a part of its own: the part before it takes it.
            if (cuts.Count > 0)
                cuts.RemoveAt(cuts.Count - 1);
            cuts.Add(0);
        }
        var parts = new GradientPart[cuts.Count];
        int upper = layout.TotalSize;
        for (int i = 0; i < cuts.Count; i++)
        {
            parts[cuts.Count - 1 - i] = new GradientPart(cuts[i], upper - cuts[i]);
            upper = cuts[i];
        }
        return new GradientParts(layout.TotalSize, parts);
    }

    /// <summary>
    /// The indices [first, last] of the parts that exactly make up [offset, offset + length), or
    /// null when the range does not start and end on part boundaries (a malformed message).
    /// </summary>
    public (int First, int Last)? Span(long offset, long length)
    {
        if (length <= 0 || offset < 0 || offset + length > TotalSize)
            return null;
        int first = Array.FindIndex(_inLayoutOrder, p => p.Offset == offset);
        int last = Array.FindIndex(_inLayoutOrder, p => p.End == offset + length);
        return first < 0 || last < first ? null : (first, last);
    }

    public override string ToString() => string.Join(" ", _inLayoutOrder);
}
