using RnnCluster.Core.Kernels;
using RnnCluster.Core.Optim;
using RnnCluster.Core.Steps;
using RnnCluster.Core.Tests.Kernels;

namespace RnnCluster.Core.Tests.Optim;

/// <summary>The update and the reduction over block ranges on several threads give the bytes of one thread.</summary>
public sealed class ParallelApplyTests
{
    private const int Size = 3 * BlockNorm.BlockSize + 1001; // a ragged last block

    public static IEnumerable<object[]> Rules() =>
    [
        [new OptimizerSettings(OptimizerKind.Adam, 1e-2f, WeightDecay: 1e-3f)],
        [new OptimizerSettings(OptimizerKind.AdamW, 1e-2f, WeightDecay: 1e-2f)],
        [new OptimizerSettings(OptimizerKind.Sgd, 1e-1f, Momentum: 0.9f)],
        [new OptimizerSettings(OptimizerKind.Sgd, 1e-1f, Momentum: 0f)],
        [new OptimizerSettings(OptimizerKind.RmsProp, 1e-3f, Momentum: 0.5f)],
    ];

    private static (float[] Parameters, float[] State, float[] Gradient, UpdateResult[] Results) Run(OptimizerSettings settings, int threads, float clip)
    {
        using var parallel = new BlockParallel(threads);
        var optimizer = new Optimizer(settings, new LrSchedule(), clip, Size) { Parallel = parallel };
        var parameters = KernelTestData.Random(Size, 1f, 1);
        var state = new float[optimizer.StateSize];
        var gradient = Array.Empty<float>();
        var results = new UpdateResult[3];
        for (int step = 0; step < results.Length; step++)
        {
            gradient = KernelTestData.Random(Size, 0.5f, (ulong)step + 2);
            results[step] = optimizer.Apply(parameters, gradient, state, step);
        }
        return (parameters, state, gradient, results);
    }

    [Theory]
    [MemberData(nameof(Rules))]
    public void Any_thread_count_gives_the_same_bytes_clipped_or_not(OptimizerSettings settings)
    {
        foreach (float clip in new[] { 0f, 1f })
        {
            var one = Run(settings, 1, clip);
            Assert.Equal(clip > 0f, one.Results[0].Clipped);
            foreach (int threads in new[] { 2, 4 })
            {
                var many = Run(settings, threads, clip);
                Assert.Equal(one.Results, many.Results);
                Assert.Equal(Bits(one.Parameters), Bits(many.Parameters));
                Assert.Equal(Bits(one.State), Bits(many.State));
                Assert.Equal(Bits(one.Gradient), Bits(many.Gradient)); // clipped in place alike
            }
        }
    }

    [Fact]
    public void A_parallel_tree_reduction_gives_the_same_sum()
    {
        const int microBatches = 5;
        var gradients = Enumerable.Range(0, microBatches).Select(m => KernelTestData.Random(Size, 1f, (ulong)m + 40)).ToArray();
        float[] Reduce(int threads)
        {
            using var parallel = new BlockParallel(threads);
            using var reducer = new TreeReducer(microBatches, Size) { Parallel = parallel };
            foreach (int m in new[] { 3, 0, 4, 1, 2 })
                reducer.Add(new TreeNode(m, m + 1), gradients[m]);
            return reducer.Result.ToArray();
        }
        var one = Bits(Reduce(1));
        Assert.Equal(one, Bits(Reduce(3)));
    }

    private static int[] Bits(float[] x) => x.Select(BitConverter.SingleToInt32Bits).ToArray();
}
