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
/// offset 0 (which carries the loss) last. An injected crash stops the share after its first part.
/// </summary>
public sealed record ShareTask(string RunId, string WorkerId, AssignWork Work, ParametersAvailable Parameters, int MicroBatchesPerStep, bool Async,
    bool Crash, bool Corrupt, double WaitMs)
{
    /// <summary>Runs the share; the answer for the actor: <see cref="Done"/>, <see cref="Crashed"/> or <see cref="Failed"/>.</summary>
    public object Run(ShareComputer share, Action<GradientComputed> send)
    {
        long step = Async ? Work.Step / MicroBatchesPerStep : Work.Step;
        int[] microBatches = Async ? [(int)(Work.Step % MicroBatchesPerStep)] : Work.MicroBatches;
        long started = Stopwatch.GetTimestamp();
        bool corrupt = Corrupt, stop = false;
        try
        {
            StepTrace.Mark(StepTrace.ComputeStarted, step);
            share.SetParameters(Parameters.Parameters.Floats);
            share.Compute(step, microBatches, (node, offset, gradient, loss) =>
            {
                StepTrace.Mark(offset == 0 ? StepTrace.GradientReady : StepTrace.GradientPartReady, step);
                var blob = TensorBlob.CopyOf(gradient);
                if (corrupt)
                {
                    BitConverter.TryWriteBytes(blob.Bytes[..4], float.NaN);
                    corrupt = false;
                }
                send(new GradientComputed(RunId, Async ? Work.Step : step, node.Lo, node.Hi, blob, loss.Sum, loss.Tokens, WorkerId, Parameters.Version, offset));
                stop |= Crash; // the rest of the share dies with the worker
            }, () => stop, stream: !Async);
        }
        catch (Exception e)
        {
            return new Failed(Work.Step, e);
        }
        return stop ? new Crashed(Work.Step) : new Done(Work.Step, Stopwatch.GetElapsedTime(started).TotalMilliseconds, WaitMs);
    }

    public sealed record Done(long Step, double ComputeMs, double WaitMs) : INoSerializationVerificationNeeded;

    public sealed record Crashed(long Step) : INoSerializationVerificationNeeded;

    public sealed record Failed(long Step, Exception Error) : INoSerializationVerificationNeeded;
}
