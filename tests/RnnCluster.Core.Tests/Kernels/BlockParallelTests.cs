using System.Collections.Concurrent;
using RnnCluster.Core.Kernels;

namespace RnnCluster.Core.Tests.Kernels;

public sealed class BlockParallelTests
{
    [Theory]
    [InlineData(1, 0)]
    [InlineData(1, 5)]
    [InlineData(3, 1)]
    [InlineData(3, 2)]
    [InlineData(4, 1000)]
    public void Every_index_runs_exactly_once(int threads, int count)
    {
        using var parallel = new BlockParallel(threads);
        for (int round = 0; round < 20; round++)
        {
            var seen = new int[count];
            parallel.For(count, i => Interlocked.Increment(ref seen[i]));
            Assert.All(seen, n => Assert.Equal(1, n));
        }
    }

    [Fact]
    public void Helpers_share_the_work_on_their_own_threads()
    {
        using var parallel = new BlockParallel(3, "block-test");
        var names = new ConcurrentDictionary<string, bool>();
        using var barrier = new Barrier(3);
        // Each index waits for two others: only three threads at once can finish the loop.
        parallel.For(3, _ =>
        {
            names[Thread.CurrentThread.Name ?? "caller"] = true;
            Assert.True(barrier.SignalAndWait(TimeSpan.FromSeconds(30)));
        });
        Assert.Equal(3, names.Count);
        Assert.Contains("block-test-1", names.Keys);
        Assert.Contains("block-test-2", names.Keys);
    }

    [Fact]
    public void The_first_exception_reaches_the_caller_and_the_helpers_stay_usable()
    {
        using var parallel = new BlockParallel(2);
        var e = Assert.Throws<InvalidOperationException>(() => parallel.For(10, i =>
        {
            if (i == 7)
                throw new InvalidOperationException("seven");
        }));
        Assert.Equal("seven", e.Message);
        int sum = 0;
        parallel.For(10, i => Interlocked.Add(ref sum, i));
        Assert.Equal(45, sum);
    }

    [Fact]
    public void A_disposed_instance_refuses_work()
    {
        var parallel = new BlockParallel(2);
        parallel.Dispose();
        Assert.Throws<ObjectDisposedException>(() => parallel.For(2, _ => { }));
        BlockParallel.Sequential.Dispose(); // the shared instance stays usable
        BlockParallel.Sequential.For(1, _ => { });
    }
}
