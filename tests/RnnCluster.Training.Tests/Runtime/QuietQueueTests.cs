using RnnCluster.Training.Runtime;

namespace RnnCluster.Training.Tests.Runtime;

public sealed class QuietQueueTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    /// <summary>Long enough for a thread that would not wait to have gone past the call.</summary>
    private static readonly TimeSpan Moment = TimeSpan.FromMilliseconds(50);

    private static Task<T> OnOwnThread<T>(Func<T> work) => Task.Factory.StartNew(work, TaskCreationOptions.LongRunning);

    private static Task OnOwnThread(Action work) => Task.Factory.StartNew(work, TaskCreationOptions.LongRunning);

    private static async Task AssertStillWaiting(Task task)
    {
        var first = await Task.WhenAny(task, Task.Delay(Moment));
        Assert.NotSame(task, first);
    }

    [Fact]
    public void Items_come_out_in_the_order_they_went_in()
    {
        var queue = new QuietQueue<int>();
        for (int i = 0; i < 100; i++)
            queue.Add(i);
        queue.CompleteAdding();
        Assert.Equal(Enumerable.Range(0, 100), queue.GetConsumingEnumerable());
    }

    [Fact]
    public async Task A_taker_waits_for_an_item_added_later()
    {
        var queue = new QuietQueue<string>();
        var taken = OnOwnThread(() => queue.Take(out var item) ? item : null);
        await AssertStillWaiting(taken);
        queue.Add("late");
        Assert.Equal("late", await taken.WaitAsync(Patience));
    }

    [Fact]
    public async Task A_full_queue_makes_the_adder_wait_until_an_item_is_taken()
    {
        var queue = new QuietQueue<int>(capacity: 2);
        queue.Add(1);
        queue.Add(2);
        var third = OnOwnThread(() => queue.Add(3));
        await AssertStillWaiting(third);
        Assert.True(queue.TryTake(out int first));
        Assert.Equal(1, first);
        await third.WaitAsync(Patience);
        queue.CompleteAdding();
        Assert.Equal([2, 3], queue.GetConsumingEnumerable());
    }

    [Fact]
    public async Task Completing_ends_waiting_takers_and_refuses_new_items()
    {
        var queue = new QuietQueue<int>();
        var waiting = OnOwnThread(() => queue.Take(out _));
        await AssertStillWaiting(waiting);
        queue.CompleteAdding();
        Assert.False(await waiting.WaitAsync(Patience));
        Assert.Throws<InvalidOperationException>(() => queue.Add(1));
    }

    [Fact]
    public void A_completed_queue_still_hands_out_what_it_holds()
    {
        var queue = new QuietQueue<int>();
        queue.Add(7);
        queue.CompleteAdding();
        Assert.True(queue.Take(out int last));
        Assert.Equal(7, last);
        Assert.False(queue.Take(out _));
        Assert.False(queue.TryTake(out _));
    }

    [Fact]
    public async Task A_blocked_adder_is_released_with_an_error_when_the_queue_completes()
    {
        var queue = new QuietQueue<int>(capacity: 1);
        queue.Add(1);
        var blocked = OnOwnThread(() => queue.Add(2));
        await AssertStillWaiting(blocked);
        queue.CompleteAdding();
        await Assert.ThrowsAsync<InvalidOperationException>(() => blocked.WaitAsync(Patience));
    }

    [Fact]
    public async Task Many_producers_and_one_consumer_lose_nothing()
    {
        var queue = new QuietQueue<int>(capacity: 4);
        var producers = Enumerable.Range(0, 4).Select(p => OnOwnThread(() =>
        {
            for (int i = 0; i < 1000; i++)
                queue.Add(p * 1000 + i);
        })).ToArray();
        var consumer = OnOwnThread(() => queue.GetConsumingEnumerable().ToList());
        await Task.WhenAll(producers).WaitAsync(Patience);
        queue.CompleteAdding();
        var got = await consumer.WaitAsync(Patience);
        Assert.Equal(Enumerable.Range(0, 4000), got.Order());
        for (int p = 0; p < 4; p++)
            Assert.Equal(Enumerable.Range(p * 1000, 1000), got.Where(v => v / 1000 == p));
    }
}
