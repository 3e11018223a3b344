using Akka.Configuration;
using Akka.Dispatch;

namespace RnnCluster.Training.Runtime;

internal sealed class DedicatedThreadExecutor : ExecutorService
{
    private readonly QuietQueue<IRunnable> _work = new();

    public DedicatedThreadExecutor(string id) : base(id) =>
        new Thread(Run) { IsBackground = true, Name = id }.Start();

    public override void Execute(IRunnable run)
    {
        try
        {
            _work.Add(run);
        }
        catch (InvalidOperationException)
        {
            // Shut down while the actor system stops: finish what is still scheduled elsewhere.
            ThreadPool.UnsafeQueueUserWorkItem(static r => r.Run(), run, preferLocal: false);
        }
    }

    public override void Shutdown() => _work.CompleteAdding();

    private void Run()
    {
        foreach (var run in _work.GetConsumingEnumerable())
            run.Run();
    }
}
