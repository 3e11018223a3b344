
namespace RnnCluster.Training.Runtime;

/// <summary>
/// A dedicated OS thread that runs gradient math. Heavy work on the .NET thread pool starves
/// Akka's scheduler and the failure detector's heartbeats (akka.net #4419), so actors only post
/// work here and receive the results as messages. Given a CPU slot, the thread binds itself to that
/// CPU (<see cref="CpuAffinity"/>) so two compute threads never share one while another idles.
/// </summary>
internal sealed class ComputeThread : IDisposable
{
    private readonly QuietQueue<Action> _work = new();
    private readonly Thread _thread;

    private readonly int _cpuSlot;

    public ComputeThread(string name, int cpuSlot = -1)
    {
        _cpuSlot = cpuSlot;
        _thread = new Thread(Run) { IsBackground = true, Name = name };
        _thread.Start();
    }

    public void Post(Action work) => _work.Add(work);

    private void Run()
    {
        if (_cpuSlot >= 0)
            CpuAffinity.PinCurrentThread(_cpuSlot);
        foreach (var work in _work.GetConsumingEnumerable())
            work();
    }

    public void Dispose()
    {
        _work.CompleteAdding();
        if (Thread.CurrentThread != _thread)
            _thread.Join();
    }
}
