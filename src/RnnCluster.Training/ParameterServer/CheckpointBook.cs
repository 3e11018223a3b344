namespace RnnCluster.Training.ParameterServer;

/// <summary>
/// The run's checkpoints: those the journal recorded, those confirmed stored, the one being saved,
/// and which old ones may go. An old checkpoint is deleted only after a newer one is confirmed
/// saved, never before: the newest <see cref="Keep"/> confirmed ones stay.
/// </summary>
public sealed class CheckpointBook
{
    private readonly List<RecordedCheckpoint> _recorded = new();
    private readonly List<RecordedCheckpoint> _confirmed = new();
    private long _savingSince;

    /// <summary>How many confirmed checkpoints to keep (at least one).</summary>
    public int Keep { get; set; } = 1;

    public IReadOnlyList<RecordedCheckpoint> Recorded => _recorded;

    /// <summary>The step being saved, or null.</summary>
    public long? Saving { get; private set; }

    public long? LatestConfirmed => _confirmed.Count == 0 ? null : _confirmed[^1].Step;

    public void Record(long step, long sequenceNr) => _recorded.Add(new RecordedCheckpoint(step, sequenceNr));

    /// <summary>After recovering from the checkpoint at <paramref name="sequenceNr"/>: it and every older one are stored.</summary>
    public void ConfirmRecovered(long sequenceNr) => _confirmed.AddRange(_recorded.Where(r => r.SequenceNr <= sequenceNr));

    /// <summary>Whether the state at <paramref name="step"/> still needs a checkpoint (none saved or being saved).</summary>
    public bool NeedsSave(long step) => Saving != step && LatestConfirmed != step;

    /// <summary>How long the latest confirmed save took, from <see cref="StartSaving"/> to its confirmation (0 when not timed).</summary>
    public double LastSaveMs { get; private set; }

    public void StartSaving(long step)
    {
        Saving = step;
        _savingSince = System.Diagnostics.Stopwatch.GetTimestamp();
    }

    public void SaveFailed() => Saving = null;

    /// <summary>The snapshot at <paramref name="sequenceNr"/> is stored: its step, and the sequence numbers of the checkpoints that may now be deleted.</summary>
    public (long Step, IReadOnlyList<long> Delete) Confirm(long sequenceNr)
    {
        var record = _recorded.LastOrDefault(r => r.SequenceNr == sequenceNr);
        _confirmed.Add(record);
        LastSaveMs = Saving == record.Step ? System.Diagnostics.Stopwatch.GetElapsedTime(_savingSince).TotalMilliseconds : 0;
        if (Saving == record.Step)
            Saving = null;
        var delete = new List<long>();
        while (_confirmed.Count > Math.Max(1, Keep))
        {
            delete.Add(_confirmed[0].SequenceNr);
            _confirmed.RemoveAt(0);
        }
        return (record.Step, delete);
    }

    public string Describe() => _recorded.Count == 0 ? "no checkpoint yet" : $"last checkpoint at step {_recorded.Max(r => r.Step)}";
}
