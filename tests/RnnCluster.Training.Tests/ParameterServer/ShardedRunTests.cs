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

    private static ShardApplied Applied(int index, double lossSum = 0, int tokens = 0, double applyMs = 0, double reduceMs = 0, bool diverged = false) =>
        new("r", 5, index, 1.4, 1e-3f, applyMs, diverged, lossSum, tokens, reduceMs);

    [Fact]
    public void A_finite_norm_is_nothing_to_report_and_a_non_finite_one_refuses_the_whole_step()
    {
        var run = Run();
        Assert.Null(run.Reduced(new ShardReduced("r", 5, Index: 1, FirstBlock: 1, [4.0], Attempt: 0)));
        Assert.Null(run.Reduced(new ShardReduced("r", 5, Index: 0, FirstBlock: 0, [1e-17], Attempt: 0)));

        Assert.Null(run.Reduced(new ShardReduced("r", 5, 0, 0, [double.PositiveInfinity], Attempt: 1)));
        Assert.Null(run.Reduced(new ShardReduced("r", 5, 0, 0, [double.PositiveInfinity], Attempt: 1))); // a duplicate changes nothing
        var refused = run.Reduced(new ShardReduced("r", 5, 1, 1, [1.0], Attempt: 1));
        Assert.NotNull(refused);
        Assert.Equal((5L, 0, Settings.MicroBatches), (refused.Step, refused.Lo, refused.Hi));
        Assert.Equal(5, run.Version);
    }

    [Fact]
    public void A_step_counts_once_every_shard_applied_it_with_shard_zeros_loss()
    {
        var run = Run();
        Assert.Equal((null, null), run.Applied(Applied(1, applyMs: 1, reduceMs: 3)));
        var (applied, aborted) = run.Applied(Applied(0, lossSum: 64, tokens: 32, applyMs: 2, reduceMs: 2));
        Assert.Null(aborted);
        Assert.Equal(new StepApplied("r", 5, TrainLoss: 2.0, 1.4, 1e-3f, ReduceMs: 3, ApplyMs: 2, 0), applied);
        Assert.Equal(6, run.Version);
        Assert.Null(run.Reduced(new ShardReduced("r", 5, 1, 1, [double.NaN], 0))); // late sums of an applied step
    }

    [Fact]
    public void A_diverged_shard_aborts_the_run()
    {
        var run = Run();
        run.Applied(Applied(0, diverged: true));
        var (applied, aborted) = run.Applied(Applied(1));
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
