namespace RnnCluster.Core.Checkpoints;

/// <summary>
/// Where <see cref="CheckpointReader"/> gets a checkpoint's bytes from. The reader runs the
/// checks; a source only supplies bytes, so that an array and a stream are checked alike.
/// </summary>
internal interface ICheckpointSource
{
    /// <summary>The first <see cref="CheckpointFormat.PrefixSize"/> bytes, or all there are when there are fewer.</summary>
    ReadOnlySpan<byte> Start { get; }

    /// <summary>
    /// Throws when the data's length differs from <see cref="CheckpointPrefix.TotalLength"/> or its
    /// checksum does not match, with <see cref="CheckpointDiagnosis"/>'s messages.
    /// </summary>
    void VerifyIntegrity(CheckpointPrefix prefix);

    /// <summary>After <see cref="VerifyIntegrity"/>: the data from its start through at least the header.</summary>
    ReadOnlySpan<byte> Head { get; }

    /// <summary>After the header is checked, so that its sizes are known to match the data.</summary>
    (float[] Parameters, float[] State) ReadArrays(CheckpointPrefix prefix, CheckpointHeader header);
}
