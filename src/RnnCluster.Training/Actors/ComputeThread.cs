using System.Collections.Concurrent;

namespace RnnCluster.Training.Actors;

/// <summary>
/// A dedicated OS thread that runs gradient math. Heavy work on the .NET thread pool starves
/// Akka's scheduler and the failure detector's heartbeats (akka.net #4419), so actors only post
/// work here and receive the results as messages.
/// </summary>
internal sealed class ComputeThread : IDisposable
{
    private readonly BlockingCollection<Action> _work = new();
    private readonly Thread _thread;

    public ComputeThread(string name)
    {
        _thread = new Thread(Run) { IsBackground = true, Name = name };
        _thread.Start();
    }

    public void Post(Action work) => _work.Add(work);

    private void Run()
    {
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
