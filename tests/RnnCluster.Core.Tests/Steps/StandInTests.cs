using System.Diagnostics;
using RnnCluster.Core.Steps;

namespace RnnCluster.Core.Tests.Steps;

/// <summary>The scaling benchmark's stand-in for gradient computation: a pure function of (step, micro-batch, index), after a wait.</summary>
public sealed class StandInTests
{
    [Fact]
    public void The_pseudo_gradient_is_deterministic_small_and_differs_by_step_and_micro_batch()
    {
        var a = new float[10_000];
        var b = new float[10_000];
        StandInGradient.Fill(a, 3, 1);
        StandInGradient.Fill(b, 3, 1);
        Assert.Equal(TrainingFixtures.Bytes(a), TrainingFixtures.Bytes(b));
        Assert.All(a, v => Assert.True(float.IsFinite(v) && MathF.Abs(v) <= 32768f / (1 << 30)));
        Assert.True(a.Distinct().Count() > 5_000);
        StandInGradient.Fill(b, 4, 1);
        Assert.NotEqual(TrainingFixtures.Bytes(a), TrainingFixtures.Bytes(b));
        StandInGradient.Fill(b, 3, 2);
        Assert.NotEqual(TrainingFixtures.Bytes(a), TrainingFixtures.Bytes(b));
    }

    [Fact]
    public void A_share_with_a_stand_in_waits_per_micro_batch_and_hands_over_the_pseudo_sum()
    {
        var (model, settings, tokens) = TrainingFixtures.Small(microBatches: 4);
        using var computer = new ShareComputer(model, settings, tokens) { StandIn = TimeSpan.FromMilliseconds(30) };
        computer.SetParameters(TrainingState.Initial(model, settings).Parameters);
        var sent = new Dictionary<TreeNode, float[]>();
        var clock = Stopwatch.StartNew();
        computer.Compute(2, [0, 1], (node, offset, values, loss) =>
        {
            Assert.Equal(0, offset);
            Assert.Equal(2 * settings.Batch / settings.MicroBatches * settings.SeqLen, loss.Tokens);
            sent[node] = values.ToArray();
        });
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(50), $"{clock.Elapsed.TotalMilliseconds} ms for two micro-batches of 30 ms");
        var (m0, m1) = (new float[computer.Layout.TotalSize], new float[computer.Layout.TotalSize]);
        StandInGradient.Fill(m0, 2, 0);
        StandInGradient.Fill(m1, 2, 1);
        Assert.Equal(TrainingFixtures.Bytes(m0.Zip(m1, (x, y) => x + y).ToArray()), TrainingFixtures.Bytes(Assert.Single(sent).Value));
    }
}
