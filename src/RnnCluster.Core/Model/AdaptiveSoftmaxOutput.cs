using System.Runtime.CompilerServices;
using RnnCluster.Core.Kernels;
using RnnCluster.Core.Memory;

namespace RnnCluster.Core.Model;

/// <summary>
/// The adaptive softmax (<see cref="SoftmaxHead"/>). Per row: head logits (c₀ + K) =
/// bout + top·Wout; the loss is the head's cross-entropy against the target (or its cluster's
/// entry) plus, for a target in cluster i, the cross-entropy of tailᵢ = (top·Pᵢ)·Wᵢ against
/// t − cᵢ. A cluster's product only runs over the rows whose target it holds, gathered in
/// ascending row order, so the bytes depend on the targets only, never on the thread or path.
/// </summary>
internal sealed unsafe class AdaptiveSoftmaxOutput : IOutputLayer
{
    private readonly ParameterLayout _layout;
    private readonly SoftmaxHead _head;
    private readonly int _vocab, _hidden, _headSize;
    private readonly AlignedBuffer _headLogits; // (rows, c₀ + K)
    private readonly AlignedBuffer _gathered;   // (n, H) rows of top whose target is in the cluster
    private readonly AlignedBuffer _projected;  // (n, d) gathered · P
    private readonly AlignedBuffer _dProjected; // (n, d)
    private readonly AlignedBuffer _tailLogits; // (n, cluster size) logits → softmax → gradient
    private readonly AlignedBuffer _tailGrad;   // (rows, H) dtop of each row from its cluster
    private readonly AlignedBuffer _row;        // scratch of one row
    private readonly int[] _cluster;            // per row: the target's cluster, −1 = shortlist
    private readonly int[] _members;            // rows of one cluster, ascending

    public AdaptiveSoftmaxOutput(ParameterLayout layout, int maxRows)
    {
        _layout = layout;
        _head = layout.Description.Softmax;
        _vocab = layout.Description.VocabSize;
        _hidden = layout.Description.Hidden;
        _headSize = _head.HeadSize(_vocab);
        int widest = 0, largest = 0;
        foreach (var tail in layout.Tails)
        {
            widest = Math.Max(widest, tail.Projection.Cols);
            largest = Math.Max(largest, tail.Weight.Cols);
        }
        _headLogits = new AlignedBuffer(checked(maxRows * _headSize));
        _gathered = new AlignedBuffer(checked(maxRows * _hidden));
        _projected = new AlignedBuffer(checked(maxRows * widest));
        _dProjected = new AlignedBuffer(checked(maxRows * widest));
        _tailLogits = new AlignedBuffer(checked(maxRows * largest));
        _tailGrad = new AlignedBuffer(checked(maxRows * _hidden));
        _row = new AlignedBuffer(Math.Max(_headSize, largest));
        _cluster = new int[maxRows];
        _members = new int[maxRows];
    }

    public void PackWeights(float* p)
    {
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public double ForwardBackward(float* p, float* g, float* top, ReadOnlySpan<int> targets, int rows, float scale, float* dTop, Action? parametersFinal)
    {
        int h = _hidden, hs = _headSize;
        double loss = 0;
        Classify(targets, rows);
        for (int c = 0; c < _layout.Tails.Count; c++)
            loss += TailForwardBackward(c, p, g, top, targets, rows, scale);

        float* logits = _headLogits.Pointer;
        HeadLogits(p, top, rows, logits);
        for (int r = 0; r < rows; r++)
            loss += SoftmaxCrossEntropy.ForwardBackward(logits + (long)r * hs, hs, HeadTarget(targets[r], _cluster[r]), scale);

        // dWout = topᵀ·dhead (H, c₀+K);  dbout = Σ_rows dhead;  dtop = dhead·Woutᵀ + the rows' tail terms
        Gemm.Multiply(h, hs, rows, top, h, true, logits, hs, false, g + _layout.OutputWeight.Offset, hs, false);
        Elementwise.ColumnSums(logits, rows, hs, hs, g + _layout.OutputBias.Offset);
        parametersFinal?.Invoke();
        Gemm.Multiply(rows, h, hs, logits, hs, false, p + _layout.OutputWeight.Offset, hs, true, dTop, h, false);
        for (int r = 0; r < rows; r++)
            if (_cluster[r] >= 0)
                Elementwise.AddInPlace(dTop + (long)r * h, _tailGrad.Pointer + (long)r * h, h);
        return loss;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public double Loss(float* p, float* top, ReadOnlySpan<int> targets, int rows)
    {
        int hs = _headSize;
        double loss = 0;
        Classify(targets, rows);
        for (int c = 0; c < _layout.Tails.Count; c++)
        {
            int n = Gather(c, top, rows);
            float* logits = TailLogits(c, p, n);
            int start = _head.ClusterStart(c), size = _layout.Tails[c].Weight.Cols;
            for (int i = 0; i < n; i++)
                loss += SoftmaxCrossEntropy.Loss(logits + (long)i * size, size, targets[_members[i]] - start);
        }
        float* head = _headLogits.Pointer;
        HeadLogits(p, top, rows, head);
        for (int r = 0; r < rows; r++)
            loss += SoftmaxCrossEntropy.Loss(head + (long)r * hs, hs, HeadTarget(targets[r], _cluster[r]));
        return loss;
    }

    /// <summary>log p of every token (rows, V): the shortlist from the head, each cluster's tokens behind its head entry.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Scores(float* p, float* top, int rows, float* dst)
    {
        int v = _vocab, hs = _headSize, shortlist = _head.Shortlist(v);
        float* head = _headLogits.Pointer, row = _row.Pointer;
        HeadLogits(p, top, rows, head);
        for (int r = 0; r < rows; r++)
        {
            float* x = head + (long)r * hs, y = dst + (long)r * v;
            double lse = LogSumExp(x, hs, row);
            for (int j = 0; j < shortlist; j++)
                y[j] = (float)(x[j] - lse);
            for (int c = 0; c < _head.Clusters; c++)
                y[_head.ClusterStart(c)] = (float)(x[shortlist + c] - lse); // the cluster's log p, read below
        }
        for (int c = 0; c < _layout.Tails.Count; c++)
        {
            for (int r = 0; r < rows; r++)
                _members[r] = r;
            new Span<float>(top, rows * _hidden).CopyTo(new Span<float>(_gathered.Pointer, rows * _hidden));
            float* logits = TailLogits(c, p, rows);
            int start = _head.ClusterStart(c), size = _layout.Tails[c].Weight.Cols;
            for (int r = 0; r < rows; r++)
            {
                float* x = logits + (long)r * size, y = dst + (long)r * v + start;
                double clusterLogP = y[0];
                double lse = LogSumExp(x, size, row);
                for (int j = 0; j < size; j++)
                    y[j] = (float)(clusterLogP + (x[j] - lse));
            }
        }
    }

    /// <summary>Loss of the rows whose target lies in cluster c; writes its tensors' gradients and those rows' dtop terms.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private double TailForwardBackward(int c, float* p, float* g, float* top, ReadOnlySpan<int> targets, int rows, float scale)
    {
        var tail = _layout.Tails[c];
        int h = _hidden, d = tail.Projection.Cols, size = tail.Weight.Cols, start = _head.ClusterStart(c);
        int n = Gather(c, top, rows);
        float* x = _gathered.Pointer, proj = _projected.Pointer, dProj = _dProjected.Pointer, dx = _tailGrad.Pointer;
        float* logits = TailLogits(c, p, n);
        double loss = 0;
        for (int i = 0; i < n; i++)
            loss += SoftmaxCrossEntropy.ForwardBackward(logits + (long)i * size, size, targets[_members[i]] - start, scale);

        // dW = projᵀ·dlogits (d, size);  dproj = dlogits·Wᵀ (n, d);  dP = xᵀ·dproj (H, d);  dx = dproj·Pᵀ (n, H)
        Gemm.Multiply(d, size, n, proj, d, true, logits, size, false, g + tail.Weight.Offset, size, false);
        Gemm.Multiply(n, d, size, logits, size, false, p + tail.Weight.Offset, size, true, dProj, d, false);
        Gemm.Multiply(h, d, n, x, h, true, dProj, d, false, g + tail.Projection.Offset, d, false);
        Gemm.Multiply(n, h, d, dProj, d, false, p + tail.Projection.Offset, d, true, x, h, false); // x is spent: reuse it for dx
        for (int i = 0; i < n; i++)
            new Span<float>(x + (long)i * h, h).CopyTo(new Span<float>(dx + (long)_members[i] * h, h));
        return loss;
    }

    /// <summary>tail logits (n, size) = (gathered · P) · W; leaves gathered · P in the projection buffer.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private float* TailLogits(int c, float* p, int n)
    {
        var tail = _layout.Tails[c];
        int h = _hidden, d = tail.Projection.Cols, size = tail.Weight.Cols;
        Gemm.Multiply(n, d, h, _gathered.Pointer, h, false, p + tail.Projection.Offset, d, false, _projected.Pointer, d, false);
        Gemm.Multiply(n, size, d, _projected.Pointer, d, false, p + tail.Weight.Offset, size, false, _tailLogits.Pointer, size, false);
        return _tailLogits.Pointer;
    }

    /// <summary>Copies the rows of top whose target is in cluster c, ascending, and lists them; returns how many.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int Gather(int c, float* top, int rows)
    {
        int n = 0, h = _hidden;
        for (int r = 0; r < rows; r++)
        {
            if (_cluster[r] != c)
                continue;
            new Span<float>(top + (long)r * h, h).CopyTo(new Span<float>(_gathered.Pointer + (long)n * h, h));
            _members[n++] = r;
        }
        return n;
    }

    private void Classify(ReadOnlySpan<int> targets, int rows)
    {
        for (int r = 0; r < rows; r++)
            _cluster[r] = _head.ClusterOf(targets[r]);
    }

    private int HeadTarget(int target, int cluster) => cluster < 0 ? target : _head.Shortlist(_vocab) + cluster;

    /// <summary>head logits = bout + top·Wout   (rows, c₀ + K)</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void HeadLogits(float* p, float* top, int rows, float* logits)
    {
        int h = _hidden, hs = _headSize;
        Elementwise.FillRows(logits, rows, hs, hs, p + _layout.OutputBias.Offset);
        Gemm.Multiply(rows, hs, h, top, h, false, p + _layout.OutputWeight.Offset, hs, false, logits, hs, true);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double LogSumExp(float* x, int n, float* scratch)
    {
        new Span<float>(x, n).CopyTo(new Span<float>(scratch, n));
        return SoftmaxCrossEntropy.LogSumExp(scratch, n);
    }

    public void Dispose()
    {
        _headLogits.Dispose();
        _gathered.Dispose();
        _projected.Dispose();
        _dProjected.Dispose();
        _tailLogits.Dispose();
        _tailGrad.Dispose();
        _row.Dispose();
    }
}
