namespace RnnCluster.Training.Worker;

/// <summary>What a worker does next, as its <see cref="WorkAgenda"/> decides.</summary>
public abstract record AgendaStep
{
    /// <summary>Compute <paramref name="Work"/> with <paramref name="Parameters"/> (of exactly its step in sync mode); the agenda cancels it through <paramref name="Cancel"/> once it is moot.</summary>
    public sealed record Compute(AssignWork Work, ParametersAvailable Parameters, ShareCancellation Cancel) : AgendaStep;

    /// <summary>Work waits for parameters: ask for <paramref name="Ask"/> (null: already asked) and ask again if nothing comes.</summary>
    public sealed record AwaitParameters(long? Ask) : AgendaStep;

    /// <summary>Nothing to do (busy, or no work).</summary>
    public sealed record Idle : AgendaStep;

    public static readonly AgendaStep Nothing = new Idle();
}
