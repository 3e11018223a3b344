namespace RnnCluster.Core.Checkpoints;

public enum CheckpointErrorKind
{
    /// <summary>The magic bytes are wrong: some other file.</summary>
    NotACheckpoint,

    /// <summary>A format version this build does not read.</summary>
    UnsupportedVersion,

    /// <summary>A parameter layout version (<see cref="Model.ModelDescription.LayoutVersion"/>) this build does not use.</summary>
    UnsupportedLayout,

    /// <summary>The file ends before the length its header declares.</summary>
    Truncated,

    /// <summary>The stored checksum does not match the content: the file is corrupt.</summary>
    ChecksumMismatch,

    /// <summary>Bytes follow the checksum.</summary>
    TrailingBytes,

    /// <summary>The content is intact but not a valid checkpoint (counts, enums, non-finite values, ...).</summary>
    Invalid,

    /// <summary>The checkpoint cannot resume the requested run (model, vocabulary or settings differ).</summary>
    Incompatible,
}
