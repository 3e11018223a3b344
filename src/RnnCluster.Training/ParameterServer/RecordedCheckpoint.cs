namespace RnnCluster.Training.ParameterServer;

/// <summary>A checkpoint the journal recorded: its step, and the sequence number its snapshot is stored at.</summary>
public readonly record struct RecordedCheckpoint(long Step, long SequenceNr);
