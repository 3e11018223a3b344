using RnnCluster.Core.Model;
using RnnCluster.Core.Optim;
using RnnCluster.Core.Steps;
using RnnCluster.Training.Coordinator;
using RnnCluster.Training.ParameterServer;
using RnnCluster.Training.Wire;

namespace RnnCluster.Training.Tests.ParameterServer;

/// <summary>The decisions of a run held by shards: the norm fold, the step the coordinator sees, and the stitched checkpoint.</summary>
public sealed class ShardedRunTests
{
    // ≈ 98,000 parameters: two norm blocks, so two shards hold different ranges.
    private static readonly ModelDescription Model = new(CellKind.Rnn, VocabSize: 10, Embed: 16, Hidden: 300, Layers: 1, Dropout: 0f);
    private static readonly TrainingSettings Settings = new(Seed: 3, SeqLen: 8, Batch: 4, MicroBatches: 2, new OptimizerSettings(OptimizerKind.Adam, 1e-3f), new LrSchedule(), ClipNorm: 1f);

    private static ShardedRun Run(long step = 5) => new("r", Model, Settings, count: 2, step);

    [Fact]
    public void The_norm_is_folded_in_block_order_once_every_shard_reported()
    {
        var run = Run();
        Assert.Null(run.Reduced(new ShardReduced("r", 5, Index: 1, FirstBlock: 1, [4.0], LossSum: 0, Tokens: 0, ReduceMs: 1)));
        Assert.Null(run.Reduced(new ShardReduced("r", 5, Index: 1, FirstBlock: 1, [4.0], 0, 0, 1))); // a duplicate changes nothing
        var apply = run.Reduced(new ShardReduced("r", 5, Index: 0, FirstBlock: 0, [1e-17], LossSum: 64, Tokens: 32, ReduceMs: 2));
        Assert.NotNull(apply);
        Assert.Equal(5, apply.Step);
        Assert.Equal(BlockNorm.Fold([1e-17, 4.0]), apply.SumOfSquares);
        Assert.Null(run.Refusal(apply));
    }

    [Fact]
    public void A_step_counts_once_every_shard_applied_it_with_shard_zeros_loss()
    {
        var run = Run();
        run.Reduced(new ShardReduced("r", 5, 0, 0, [1.0], LossSum: 64, Tokens: 32, ReduceMs: 2));
        run.Reduced(new ShardReduced("r", 5, 1, 1, [1.0], LossSum: 0, Tokens: 0, ReduceMs: 3));
        Assert.Equal((null, null), run.Applied(new ShardApplied("r", 5, 1, 1.4, 1e-3f, ApplyMs: 1, Diverged: false)));
        var (applied, aborted) = run.Applied(new ShardApplied("r", 5, 0, 1.4, 1e-3f, ApplyMs: 2, Diverged: false));
        Assert.Null(aborted);
        Assert.Equal(new StepApplied("r", 5, TrainLoss: 2.0, 1.4, 1e-3f, ReduceMs: 3, ApplyMs: 2, 0), applied);
        Assert.Equal(6, run.Version);
    }

    [Fact]
    public void A_non_finite_norm_is_refused_as_a_whole_step_and_a_diverged_shard_aborts()
    {
        var run = Run();
        run.Reduced(new ShardReduced("r", 5, 0, 0, [double.PositiveInfinity], 1, 1, 0));
        var apply = run.Reduced(new ShardReduced("r", 5, 1, 1, [1.0], 0, 0, 0))!;
        var refused = run.Refusal(apply);
        Assert.NotNull(refused);
        Assert.Equal((5L, 0, Settings.MicroBatches), (refused.Step, refused.Lo, refused.Hi));
        Assert.Equal(5, run.Version);

        // The step comes again; this time a shard's update made its parameters non-finite.
        run.Reduced(new ShardReduced("r", 5, 0, 0, [1.0], 1, 1, 0));
        run.Reduced(new ShardReduced("r", 5, 1, 1, [1.0], 0, 0, 0));
        run.Applied(new ShardApplied("r", 5, 0, 1, 1e-3f, 0, Diverged: true));
        var (applied, aborted) = run.Applied(new ShardApplied("r", 5, 1, 1, 1e-3f, 0, Diverged: false));
        Assert.Null(applied);
        Assert.Contains("diverged", aborted);
    }

    [Fact]
    public void A_checkpoint_stitches_every_shards_parameters_and_optimizer_sections()
    {
        var whole = TrainingState.Initial(Model, Settings);
        new Random(1).NextBytes(System.Runtime.InteropServices.MemoryMarshal.AsBytes(whole.OptimizerState.AsSpan())); // any bits: only their places matter
        int n = whole.Parameters.Length, sections = whole.OptimizerState.Length / n;
        var run = Run(step: 7);
        var collect = run.Collect();
        Assert.Equal(7, collect.Step);
        TrainingState? stitched = null;
        foreach (int k in new[] { 1, 0 })
        {
            var range = ShardRanges.For(n, 2)[k];
            var slice = new List<float>(whole.Parameters.AsSpan(range.Offset, range.Length).ToArray());
            for (int s = 0; s < sections; s++)
                slice.AddRange(whole.OptimizerState.AsSpan(s * n + range.Offset, range.Length).ToArray());
            using var blob = TensorBlob.CopyOf(slice.ToArray());
            stitched = run.Collected(new ShardCollected("r", 7, k, blob));
            Assert.Equal(k == 0, stitched is not null);
        }
        Assert.Equal(7, stitched!.Step);
        Assert.Equal(FloatBytes.From(whole.Parameters), FloatBytes.From(stitched.Parameters));
        Assert.Equal(FloatBytes.From(whole.OptimizerState), FloatBytes.From(stitched.OptimizerState));
        Assert.Null(run.Collecting);
    }
}
