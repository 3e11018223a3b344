using RnnCluster.Core.Memory;
using RnnCluster.Core.Model;
using RnnCluster.Core.Optim;
using RnnCluster.Core.Steps;

namespace RnnCluster.Core.Tests.Steps;

public sealed class DeterminismTests
{
    [Theory]
    [InlineData(CellKind.Lstm, OptimizerKind.Adam)]
    [InlineData(CellKind.Gru, OptimizerKind.AdamW)]
    [InlineData(CellKind.Rnn, OptimizerKind.Sgd)]
    [InlineData(CellKind.Lstm, OptimizerKind.RmsProp)]
    public void Same_seed_gives_identical_parameter_bytes(CellKind cell, OptimizerKind optimizer)
    {
        var (model, settings, tokens) = TrainingFixtures.Small(cell, optimizer: optimizer);
        byte[] Run()
        {
            using var trainer = new ReferenceTrainer(TrainingState.Initial(model, settings), tokens);
            for (int s = 0; s < 12; s++)
                trainer.Step();
            return TrainingFixtures.Bytes(trainer.State.Parameters).Concat(TrainingFixtures.Bytes(trainer.State.OptimizerState)).ToArray();
        }
        var first = Run();
        Assert.Equal(first, Run());

        var (_, other, _) = TrainingFixtures.Small(cell, optimizer: optimizer);
        using var reseeded = new ReferenceTrainer(TrainingState.Initial(model, other with { Seed = 12 }), tokens);
        for (int s = 0; s < 12; s++)
            reseeded.Step();
        Assert.NotEqual(first.AsSpan(0, 4 * reseeded.State.Parameters.Length).ToArray(), TrainingFixtures.Bytes(reseeded.State.Parameters));
    }

    [Fact]
    public void Stepping_in_two_trainers_from_a_copied_state_continues_bit_exactly()
    {
        var (model, settings, tokens) = TrainingFixtures.Small();
        using var straight = new ReferenceTrainer(TrainingState.Initial(model, settings), tokens);
        for (int s = 0; s < 10; s++)
            straight.Step();

        using var firstHalf = new ReferenceTrainer(TrainingState.Initial(model, settings), tokens);
        for (int s = 0; s < 5; s++)
            firstHalf.Step();
        var copy = new TrainingState(model, settings, (float[])firstHalf.State.Parameters.Clone(), (float[])firstHalf.State.OptimizerState.Clone(), firstHalf.State.Step);
        using var secondHalf = new ReferenceTrainer(copy, tokens);
        for (int s = 0; s < 5; s++)
            secondHalf.Step();
        Assert.Equal(TrainingFixtures.Bytes(straight.State.Parameters), TrainingFixtures.Bytes(secondHalf.State.Parameters));
    }

    [Theory]
    [InlineData(8)]
    [InlineData(6)]
    [InlineData(5)]
    [InlineData(3)]
    public void Reduction_is_identical_in_any_arrival_order_and_with_pre_reduced_subtrees(int microBatches)
    {
        var (state, leaves) = TrainingFixtures.LeafGradients(microBatches);

        byte[] Reduce(IEnumerable<TreeNode> nodes)
        {
            using var reducer = new TreeReducer(microBatches, state.Layout.TotalSize);
            foreach (var node in nodes)
                Assert.True(reducer.Add(node, SubtreeSum(node, leaves)));
            Assert.True(reducer.IsComplete);
            return TrainingFixtures.Bytes(reducer.Result);
        }

        var inOrder = Reduce(Enumerable.Range(0, microBatches).Select(m => new TreeNode(m, m + 1)));
        var rng = new SplitMix64(5);
        for (int trial = 0; trial < 5; trial++)
        {
            var shuffled = Enumerable.Range(0, microBatches).OrderBy(_ => rng.NextUInt64()).Select(m => new TreeNode(m, m + 1));
            Assert.Equal(inOrder, Reduce(shuffled));
        }

        // Workers holding contiguous shares pre-reduce the aligned sub-trees they cover.
        foreach (int workers in new[] { 2, 3 })
        {
            var nodes = new List<TreeNode>();
            for (int w = 0; w < workers; w++)
            {
                var share = Enumerable.Range(0, microBatches).Where(m => m % workers == w);
                nodes.AddRange(ReductionTree.Cover(share, microBatches));
            }
            Assert.Equal(inOrder, Reduce(nodes.OrderByDescending(n => n.Lo)));
            var contiguous = new List<TreeNode>();
            for (int w = 0; w < workers; w++)
                contiguous.AddRange(ReductionTree.Cover(Enumerable.Range(0, microBatches).Where(m => m * workers / microBatches == w), microBatches));
            Assert.Equal(inOrder, Reduce(contiguous));
        }

        // A left-to-right sum is another tree from M = 4 on ((0+1)+2)+3 vs (0+1)+(2+3)), and gives other bytes.
        var sequential = new float[state.Layout.TotalSize];
        foreach (var leaf in leaves)
            for (int i = 0; i < sequential.Length; i++)
                sequential[i] += leaf[i];
        if (microBatches > 3)
            Assert.NotEqual(inOrder, TrainingFixtures.Bytes(sequential));
    }

    /// <summary>The sum of a node computed directly from the tree definition.</summary>
    private static float[] SubtreeSum(TreeNode node, float[][] leaves)
    {
        if (node.IsLeaf)
            return (float[])leaves[node.Lo].Clone();
        int mid = ReductionTree.SplitPoint(node.Lo, node.Hi);
        var left = SubtreeSum(new TreeNode(node.Lo, mid), leaves);
        var right = SubtreeSum(new TreeNode(mid, node.Hi), leaves);
        for (int i = 0; i < left.Length; i++)
            left[i] += right[i];
        return left;
    }

    [Fact]
    public void Tree_reducer_refuses_overlaps_and_foreign_nodes()
    {
        using var reducer = new TreeReducer(8, 3);
        Assert.True(reducer.Add(new TreeNode(0, 2), [1f, 2f, 3f]));
        Assert.False(reducer.Add(new TreeNode(1, 2), [1f, 2f, 3f]));
        Assert.False(reducer.Add(new TreeNode(0, 4), new float[3]));
        Assert.Throws<ArgumentException>(() => reducer.Add(new TreeNode(1, 3), new float[3]));
        Assert.Throws<ArgumentException>(() => reducer.Add(new TreeNode(2, 3), new float[2]));
        Assert.False(reducer.IsComplete);
        Assert.Equal([new TreeNode(0, 2)], reducer.PendingNodes);
    }

    [Fact]
    public void Tree_shape_is_the_documented_one()
    {
        Assert.Equal(4, ReductionTree.SplitPoint(0, 8));
        Assert.Equal(4, ReductionTree.SplitPoint(0, 6));
        Assert.Equal(2, ReductionTree.SplitPoint(0, 3));
        Assert.True(ReductionTree.IsNode(new TreeNode(4, 6), 6));
        Assert.False(ReductionTree.IsNode(new TreeNode(2, 6), 6));
        Assert.Equal([new TreeNode(0, 4), new TreeNode(4, 5)], ReductionTree.Cover([0, 1, 2, 3, 4], 8));
        Assert.Equal([new TreeNode(1, 2), new TreeNode(2, 4)], ReductionTree.Cover([3, 1, 2], 8));
    }
}
