using RnnCluster.Core.Model;
using RnnCluster.Core.Optim;
using RnnCluster.Core.Steps;

namespace RnnCluster.Core.Tests.Steps;

/// <summary>
/// Gradients handed over in parts while backpropagation runs: the parts tile the buffer, each is
/// final when it is announced, and reducing by parts, in any order, gives the bytes of the whole.
/// </summary>
public sealed class GradientPartsTests
{
    [Fact]
    public void Config_b_goes_in_two_parts_the_top_layer_with_the_output_first()
    {
        var layout = new ParameterLayout(new ModelDescription(CellKind.Lstm, 65, Embed: 64, Hidden: 256, Layers: 2, Dropout: 0));
        var parts = GradientParts.For(layout);
        Assert.Equal([new GradientPart(0, layout.Layers[1].Wx.Offset), new GradientPart(layout.Layers[1].Wx.Offset, layout.TotalSize - layout.Layers[1].Wx.Offset)],
            parts.InLayoutOrder);
        Assert.InRange(parts.InLayoutOrder[1].Length / (double)layout.TotalSize, 0.6, 0.65);
    }

    [Theory]
    [InlineData(CellKind.Lstm, 8, 20, 1)]
    [InlineData(CellKind.Lstm, 16, 64, 4)]
    [InlineData(CellKind.Gru, 64, 256, 3)]
    [InlineData(CellKind.Rnn, 300, 16, 2)] // a big embedding: the layers are too small for a part of their own, one part
    [InlineData(CellKind.Lstm, 4, 4, 1)]
    public void Parts_tile_the_buffer_and_are_large_enough(CellKind cell, int embed, int hidden, int layers)
    {
        var layout = new ParameterLayout(new ModelDescription(cell, 70, embed, hidden, layers, 0));
        var parts = GradientParts.For(layout).InLayoutOrder;
        Assert.Equal(0, parts[0].Offset);
        Assert.Equal(layout.TotalSize, parts[^1].End);
        for (int i = 1; i < parts.Count; i++)
            Assert.Equal(parts[i - 1].End, parts[i].Offset);
        if (parts.Count > 1)
            Assert.All(parts, p => Assert.True(p.Length >= layout.TotalSize / GradientParts.MinimumShare, $"{p} of {layout.TotalSize}"));
        // Only layer boundaries: a part must be final as a whole when its stage ends.
        var starts = layout.Layers.Select(l => l.Wx.Offset).Append(layout.OutputWeight.Offset).Append(0).ToHashSet();
        Assert.All(parts, p => Assert.Contains(p.Offset, starts));
    }

    [Fact]
    public void Span_accepts_only_whole_consecutive_parts()
    {
        var (model, _, _) = TrainingFixtures.Small();
        var parts = GradientParts.For(new ParameterLayout(model));
        var (head, tail) = (parts.InLayoutOrder[0], parts.InLayoutOrder[1]);
        Assert.Equal((0, 0), parts.Span(head.Offset, head.Length));
        Assert.Equal((1, 1), parts.Span(tail.Offset, tail.Length));
        Assert.Equal((0, 1), parts.Span(0, parts.TotalSize));
        Assert.Null(parts.Span(0, head.Length - 1));
        Assert.Null(parts.Span(1, head.Length - 1));
        Assert.Null(parts.Span(tail.Offset, tail.Length + 1));
        Assert.Null(parts.Span(-1, 5));
        Assert.Null(parts.Span(0, 0));
    }

    [Theory]
    [InlineData(CellKind.Lstm)]
    [InlineData(CellKind.Gru)]
    [InlineData(CellKind.Rnn)]
    public void A_tail_announced_as_final_does_not_change_afterwards(CellKind cell)
    {
        var (model, settings, tokens) = TrainingFixtures.Small(cell, layers: 3);
        var state = TrainingState.Initial(model, settings);
        using var computer = new GradientComputer(model, settings, tokens);
        computer.SetParameters(state.Parameters);
        var gradient = new float[state.Layout.TotalSize];
        var announced = new List<(int From, float[] Tail)>();
        computer.Compute(3, 1, gradient, from => announced.Add((from, gradient[from..])));

        // The output layer first, then each layer from the top: offsets going down.
        Assert.Equal([state.Layout.OutputWeight.Offset, .. state.Layout.Layers.Reverse().Select(l => l.Wx.Offset)], announced.Select(a => a.From));
        foreach (var (from, tail) in announced)
            Assert.Equal(TrainingFixtures.Bytes(gradient.AsSpan(from)), TrainingFixtures.Bytes(tail));
    }

    [Theory]
    [InlineData(new[] { 0, 1 }, 2)]      // one leaf each
    [InlineData(new[] { 0, 1, 2, 3 }, 4)] // a sub-tree pre-reduced, its last leaf streamed
    [InlineData(new[] { 1, 2, 3, 4 }, 6)] // a leaf and a sub-tree
    public void Streaming_a_share_hands_over_the_bytes_of_the_whole_share(int[] share, int microBatches)
    {
        var (model, settings, tokens) = TrainingFixtures.Small(microBatches: microBatches);
        settings = settings with { Batch = 2 * microBatches };
        var state = TrainingState.Initial(model, settings);

        var whole = new Dictionary<TreeNode, (byte[] Bytes, MicroBatchLoss Loss)>();
        using (var computer = new ShareComputer(model, settings, tokens))
        {
            computer.SetParameters(state.Parameters);
            computer.Compute(5, share, (node, offset, values, loss) =>
            {
                Assert.Equal(0, offset);
                whole.Add(node, (TrainingFixtures.Bytes(values), loss));
            });
        }

        var streamed = new Dictionary<TreeNode, (float[] Values, List<int> Offsets, MicroBatchLoss Loss)>();
        using (var computer = new ShareComputer(model, settings, tokens))
        {
            Assert.Equal(2, computer.Parts.Count);
            computer.SetParameters(state.Parameters);
            computer.Compute(5, share, (node, offset, values, loss) =>
            {
                if (!streamed.TryGetValue(node, out var entry))
                    streamed[node] = entry = (new float[state.Layout.TotalSize], [], default);
                values.CopyTo(entry.Values.AsSpan(offset));
                entry.Offsets.Add(offset);
                if (offset == 0)
                    streamed[node] = entry with { Loss = loss };
                else
                    Assert.Equal(default, loss); // the loss goes with the part at offset 0 only
            }, stream: true);
        }

        Assert.Equal(whole.Keys.OrderBy(n => n.Lo), streamed.Keys.OrderBy(n => n.Lo));
        foreach (var (node, (bytes, loss)) in whole)
        {
            Assert.Equal([TailOffset(model), 0], streamed[node].Offsets); // the top of the buffer first
            Assert.Equal(bytes, TrainingFixtures.Bytes(streamed[node].Values));
            Assert.Equal(loss, streamed[node].Loss);
        }
    }

    private static int TailOffset(ModelDescription model) => GradientParts.For(new ParameterLayout(model)).InLayoutOrder[1].Offset;

    [Fact]
    public void A_stopped_share_hands_over_nothing_after_the_stop()
    {
        var (model, settings, tokens) = TrainingFixtures.Small(microBatches: 2);
        var state = TrainingState.Initial(model, settings);
        using var computer = new ShareComputer(model, settings, tokens);
        computer.SetParameters(state.Parameters);
        var offsets = new List<int>();
        bool stop = false;
        computer.Compute(0, [0, 1], (_, offset, _, _) =>
        {
            offsets.Add(offset);
            stop = true; // a worker crashing right after its first hand-over
        }, () => stop, stream: true);
        Assert.Equal([TailOffset(model)], offsets);
    }

    [Theory]
    [InlineData(8, 1)]
    [InlineData(8, 2)]
    [InlineData(5, 3)]
    [InlineData(3, 4)]
    public void Reducing_by_parts_in_any_order_gives_the_bytes_of_the_whole(int microBatches, int seed)
    {
        var (state, leaves) = TrainingFixtures.LeafGradients(microBatches);
        using var wholeReducer = new TreeReducer(microBatches, state.Layout.TotalSize);
        for (int m = 0; m < microBatches; m++)
            wholeReducer.Add(new TreeNode(m, m + 1), leaves[m]);
        var expected = TrainingFixtures.Bytes(wholeReducer.Result);

        var parts = GradientParts.For(state.Layout);
        var random = new Random(seed);
        // Every leaf's parts, shuffled: parts of one micro-batch arrive apart and in either order.
        var pieces = Enumerable.Range(0, microBatches).SelectMany(m => parts.InLayoutOrder.Select(p => (m, p))).OrderBy(_ => random.Next()).ToList();
        using var reducer = new TreeReducer(microBatches, parts);
        foreach (var (m, p) in pieces)
        {
            Assert.False(reducer.IsComplete);
            var result = reducer.Add(new TreeNode(m, m + 1), p.Offset, leaves[m].AsSpan(p.Offset, p.Length));
            Assert.Equal(new ReduceResult(1, 0, 0, p.Offset == 0), result);
        }
        Assert.True(reducer.IsComplete);
        Assert.Equal(expected, TrainingFixtures.Bytes(reducer.Result));
    }

    [Fact]
    public void A_micro_batch_counts_as_received_only_when_every_part_is_in()
    {
        var (model, _, _) = TrainingFixtures.Small();
        var parts = GradientParts.For(new ParameterLayout(model));
        var (head, tail) = (parts.InLayoutOrder[0], parts.InLayoutOrder[1]);
        var values = Enumerable.Range(0, parts.TotalSize).Select(i => i * 0.5f).ToArray();
        using var reducer = new TreeReducer(4, parts);

        Assert.Equal(new ReduceResult(1, 0, 0, false), reducer.Add(new TreeNode(0, 2), tail.Offset, values.AsSpan(tail.Offset, tail.Length)));
        Assert.False(reducer.HasReceived(0));
        // The share re-run by another worker: its tail is a duplicate, its head is new.
        Assert.Equal(new ReduceResult(1, 1, 0, true), reducer.Add(new TreeNode(0, 2), 0, values));
        Assert.True(reducer.HasReceived(0) && reducer.HasReceived(1));
        // Part of a node already summed in: cannot be added without counting micro-batch 1 twice.
        Assert.Equal(new ReduceResult(0, 0, 1, false), reducer.Add(new TreeNode(0, 4), 0, values.AsSpan(0, head.Length)));
        Assert.Equal(new ReduceResult(0, 1, 0, false), reducer.Add(new TreeNode(1, 2), 0, values.AsSpan(0, head.Length)));
        Assert.Throws<ArgumentException>(() => reducer.Add(new TreeNode(2, 4), 1, values.AsSpan(1, head.Length - 1)));
        Assert.Throws<ArgumentException>(() => reducer.Add(new TreeNode(1, 3), 0, values));
        Assert.False(reducer.HasReceived(2));
        Assert.Equal([new TreeNode(0, 2)], reducer.PendingNodes);

        Assert.Equal(new ReduceResult(2, 0, 0, true), reducer.Add(new TreeNode(2, 4), 0, values));
        Assert.True(reducer.IsComplete);
        Assert.Equal(values.Select(v => v + v).ToArray(), reducer.Result.ToArray());
    }
}
