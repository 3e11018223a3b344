using System.Diagnostics;
using Akka.Actor;
using RnnCluster.Core.Steps;
using RnnCluster.Training.ParameterServer;
using RnnCluster.Training.Runtime;
using RnnCluster.Training.Wire;

namespace RnnCluster.Training.Worker;

/// <summary>
/// One assignment, computed on the worker's compute thread: the gradients of its micro-batches at
/// the given parameters, each maximal aligned sub-tree sent to the server as soon as it is done —
/// in sync mode in parts, the top one as soon as backpropagation has finished it, the part at
/// offset 0 (which carries the loss) last. An injected crash stops the share after its first part;
/// a cancelled share stops between micro-batches and parts (<see cref="Done.Abandoned"/>). An
/// injected slowdown of factor F sleeps F − 1 times the compute time between those points.
/// </summary>
public sealed record ShareTask(string RunId, string WorkerId, AssignWork Work, ParametersAvailable Parameters, int MicroBatchesPerStep, bool Async,
    bool Crash, bool Corrupt, double WaitMs, ShareCancellation? Cancel = null, double Slowdown = 1)
{
    /// <summary>The share of <paramref name="c"/> with this worker's injected faults.</summary>
    public static ShareTask For(WorkerWelcome run, string workerId, AgendaStep.Compute c, FaultPlan faults, double waitMs)
    {
        bool async = run.Mode == TrainingMode.Async;
        int microBatches = run.Definition.Settings.MicroBatches;
        var (crash, corrupt) = faults.For(c.Work.Step, async);
        return new ShareTask(run.RunId, workerId, c.Work, c.Parameters, microBatches, async, crash, corrupt, waitMs, c.Cancel, faults.Slowdown);
    }

    /// <summary>Runs the share; the answer for the actor: <see cref="Done"/>, <see cref="Crashed"/> or <see cref="Failed"/>.</summary>
    public object Run(ShareComputer share, Action<GradientComputed> send)
    {
        long step = Async ? Work.Step / MicroBatchesPerStep : Work.Step;
        int[] microBatches = Async ? [(int)(Work.Step % MicroBatchesPerStep)] : Work.MicroBatches;
        long started = Stopwatch.GetTimestamp(), dragged = started;
        bool corrupt = Corrupt, stop = false, abandoned = false;
        void Drag() // --slow-worker: stretch the time since the last point by the factor
        {
            if (Slowdown <= 1)
                return;
            Thread.Sleep(Stopwatch.GetElapsedTime(dragged) * (Slowdown - 1));
            dragged = Stopwatch.GetTimestamp();
        }
        try
        {
            StepTrace.Mark(StepTrace.ComputeStarted, step);
            share.SetParameters(Parameters.Parameters.Floats);
            share.Compute(step, microBatches, (node, offset, gradient, loss) =>
            {
                Drag();
                StepTrace.Mark(offset == 0 ? StepTrace.GradientReady : StepTrace.GradientPartReady, step);
                var blob = TensorBlob.CopyOf(gradient);
                if (corrupt)
                {
                    BitConverter.TryWriteBytes(blob.Bytes[..4], float.NaN);
                    corrupt = false;
                }
                send(new GradientComputed(RunId, Async ? Work.Step : step, node.Lo, node.Hi, blob, loss.Sum, loss.Tokens, WorkerId, Parameters.Version, offset));
                stop |= Crash; // the rest of the share dies with the worker
            }, () =>
            {
                Drag();
                // Only a share cut short is abandoned: a cancel that lands after its last part is a finished share.
                abandoned |= !stop && Cancel?.Requested == true;
                return stop || abandoned;
            }, stream: !Async);
        }
        catch (Exception e)
        {
            return new Failed(Work.Step, e);
        }
        return stop ? new Crashed(Work.Step) : new Done(Work.Step, Stopwatch.GetElapsedTime(started).TotalMilliseconds, WaitMs, abandoned);
    }

    /// <param name="Abandoned">Cancelled before the end: the step was applied without it, so it is no work done.</param>
    public sealed record Done(long Step, double ComputeMs, double WaitMs, bool Abandoned = false) : INoSerializationVerificationNeeded;

    public sealed record Crashed(long Step) : INoSerializationVerificationNeeded;

    public sealed record Failed(long Step, Exception Error) : INoSerializationVerificationNeeded;
}
