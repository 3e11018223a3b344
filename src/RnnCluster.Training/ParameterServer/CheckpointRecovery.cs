namespace RnnCluster.Training.ParameterServer;

/// <summary>
/// Which checkpoint a resumed run loads: the newest, and when that one is unreadable or corrupt,
/// the one before it, and so on, naming each one skipped. Loading itself is the actor's (it reads
/// the store); this object decides what to try next and what to say.
/// </summary>
public sealed class CheckpointRecovery(IReadOnlyList<RecordedCheckpoint> recorded)
{
    private readonly List<string> _problems = new();

    public IReadOnlyList<string> Problems => _problems;

    /// <summary>The sequence number to load first, or null when the run has no checkpoint (it starts again from step 0).</summary>
    public long? First => recorded.Count == 0 ? null : recorded.Max(r => r.SequenceNr);

    /// <summary>Loading up to <paramref name="tried"/> failed (store error, timeout, unreadable row): the next one to try, or null.</summary>
    public long? Failed(long tried, string problem) => Next(problem, Below(tried));

    /// <summary>Nothing is stored at or below <paramref name="tried"/> (rows deleted behind the journal's back): give up.</summary>
    public long? Missing(long tried) => Next($"no checkpoint row at or below sequence {tried} (deleted?)", 0);

    /// <summary>The snapshot found at <paramref name="found"/> (looking up to <paramref name="tried"/>) is not a valid checkpoint.</summary>
    public long? Corrupt(long tried, long found, string error) => Next($"{Describe(found)} is corrupt: {error}", Math.Min(Below(tried), found - 1));

    /// <summary>What to load after an <paramref name="attempt"/> that gave no usable checkpoint: the next sequence number, or null to give up.</summary>
    public long? After(LoadAttempt attempt) =>
        attempt.NothingStored ? Missing(attempt.Tried)
        : attempt.Corrupt ? Corrupt(attempt.Tried, attempt.Found, attempt.Problem!)
        : Failed(attempt.Tried, attempt.Problem!);

    /// <summary>Why the run cannot resume, when nothing was left to try.</summary>
    public string GiveUp(string runId) => $"no usable checkpoint of run '{runId}': {string.Join("; ", _problems)}";

    /// <summary>What the resumed run says about where it starts.</summary>
    public string Note(long step) => _problems.Count == 0
        ? $"resumed from the checkpoint at step {step}"
        : $"resumed from the checkpoint at step {step}, skipping: {string.Join("; ", _problems)}";

    private string Describe(long sequenceNr) =>
        recorded.Where(r => r.SequenceNr == sequenceNr).Select(r => $"checkpoint of step {r.Step}").FirstOrDefault() ?? $"checkpoint at sequence {sequenceNr}";

    private long Below(long sequenceNr) => recorded.Where(r => r.SequenceNr < sequenceNr).Select(r => r.SequenceNr).DefaultIfEmpty(0).Max();

    private long? Next(string problem, long next)
    {
        _problems.Add(problem);
        return next > 0 ? next : null;
    }
}
