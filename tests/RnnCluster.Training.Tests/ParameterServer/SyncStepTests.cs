using RnnCluster.Core.Steps;
using RnnCluster.Training.ParameterServer;

namespace RnnCluster.Training.Tests.ParameterServer;

/// <summary>The gradients of one synchronous step as a plain object: checks, duplicates, completion, the ledger.</summary>
public sealed class SyncStepTests
{
    private static float[] Filled(int n, float v) => Enumerable.Repeat(v, n).ToArray();

    [Fact]
    public void Aligned_finite_sub_trees_complete_the_step_and_count_their_loss_once()
    {
        using var step = new SyncStep(4, GradientParts.Whole(6));
        Assert.False(step.Offer(0, 2, 0, Filled(6, 1), 4, 2, "w0").Complete);
        Assert.Equal([2, 3], step.Missing());
        var verdict = step.Offer(2, 4, 0, Filled(6, 2), 2, 2, "w1");
        Assert.True(verdict.Complete);
        Assert.Null(verdict.Problem);
        Assert.Equal(1.5, step.Loss);
        Assert.Equal([new LedgerEntry(0, 2, "w0"), new LedgerEntry(2, 4, "w1")], step.Ledger);
        Assert.Equal(Filled(6, 3), step.Sum.ToArray());
        step.Reset();
        Assert.Equal([0, 1, 2, 3], step.Missing());
    }

    [Fact]
    public void A_re_sent_share_is_a_duplicate_and_bad_gradients_are_refused_with_the_reason()
    {
        using var step = new SyncStep(4, GradientParts.Whole(6));
        step.Offer(0, 2, 0, Filled(6, 1), 1, 1, "w0");
        Assert.True(step.Offer(0, 2, 0, Filled(6, 1), 1, 1, "w0-again").Overlapped);
        Assert.Single(step.Ledger);
        Assert.Contains("not an aligned sub-tree", step.Offer(1, 3, 0, Filled(6, 1), 1, 1, "w").Problem);
        Assert.Contains("are not whole parts", step.Offer(2, 4, 0, Filled(3, 1), 1, 1, "w").Problem);
        Assert.Contains("NaN or infinite", step.Offer(2, 4, 0, Filled(6, float.NaN), 1, 1, "w").Problem);
        Assert.Contains("the loss is", step.Offer(2, 4, 0, Filled(6, 1), double.PositiveInfinity, 1, "w").Problem);
        Assert.Equal([2, 3], step.Missing());
    }

    [Fact]
    public void Summing_on_several_threads_gives_the_bytes_of_one()
    {
        // The model's own parts, some gradients whole and some part by part in reverse layout order.
        var parts = GradientParts.For(new Core.Model.ParameterLayout(new Core.Model.ModelDescription(Core.Model.CellKind.Lstm, 65, 64, 256, 3, 0f)));
        int size = parts.TotalSize;
        const int microBatches = 6;
        Assert.True(parts.Count >= 2 && size > 4 * TreeReducer.ParallelChunk);
        var gradients = Enumerable.Range(0, microBatches)
            .Select(m => Enumerable.Range(0, size).Select(i => MathF.Sin(i * 0.37f + m) * (m + 1)).ToArray()).ToArray();
        int[] Sum(int threads)
        {
            using var parallel = new Core.Kernels.BlockParallel(threads);
            using var step = new SyncStep(microBatches, parts, parallel);
            foreach (int m in new[] { 5, 2, 0, 4, 1, 3 })
            {
                if (m % 2 == 0)
                    step.Offer(m, m + 1, 0, gradients[m], 1, 1, $"w{m}");
                else
                    foreach (var part in parts.InLayoutOrder.Reverse())
                        step.Offer(m, m + 1, part.Offset, gradients[m].AsSpan(part.Offset, part.Length), 1, 1, $"w{m}");
            }
            Assert.Empty(step.Missing());
            return step.Sum.ToArray().Select(BitConverter.SingleToInt32Bits).ToArray();
        }
        Assert.Equal(Sum(1), Sum(3));
    }
}
