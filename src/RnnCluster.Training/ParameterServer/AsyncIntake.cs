namespace RnnCluster.Training.ParameterServer;

/// <summary>
/// Asynchronous mode's verdict on a gradient: applied when it was computed at most
/// <paramref name="staleness"/> versions ago and is whole and finite; refused otherwise (a stale
/// one is no fault of the data: the worker simply computes again on newer parameters).
/// </summary>
public sealed class AsyncIntake(int staleness, int parameterCount)
{
    /// <summary>The largest staleness of an applied gradient.</summary>
    public int MaxStaleness { get; private set; }

    /// <returns>Null when the gradient may be applied, else why not.</returns>
    public string? Judge(long serverVersion, long computedAt, int offset, ReadOnlySpan<float> values)
    {
        long behind = serverVersion - computedAt;
        if (behind > staleness || behind < 0)
            return $"{Coordinator.GradientRefusals.Stale}: computed at version {computedAt}, the server is at {serverVersion} (bound {staleness})";
        if (values.Length != parameterCount || offset != 0)
            return $"gradient values [{offset},{(long)offset + values.Length}): asynchronous mode takes the whole gradient; the model has {parameterCount}";
        if (!Core.Kernels.FiniteCheck.All(values))
            return "the gradient holds NaN or infinite values";
        return null;
    }

    /// <summary>A gradient computed at <paramref name="computedAt"/> was applied at <paramref name="serverVersion"/>.</summary>
    public void Applied(long serverVersion, long computedAt) => MaxStaleness = Math.Max(MaxStaleness, (int)(serverVersion - computedAt));
}
