namespace RnnCluster.Training.ParameterServer;

/// <summary>
/// What <see cref="SyncStep"/> made of a gradient: refused (<paramref name="Problem"/>: wrong shape,
/// not finite, not an aligned sub-tree), or taken into the sum — wholly or, when it overlaps
/// micro-batches already in (a re-run share's duplicate), <paramref name="Overlapped"/> in part or
/// not at all. <paramref name="Complete"/>: every micro-batch of the step is in.
/// </summary>
public readonly record struct GradientVerdict(string? Problem, bool Overlapped, bool Complete)
{
    public static GradientVerdict Refused(string problem) => new(problem, false, false);
}
