using System.Buffers.Binary;
using static RnnCluster.Core.Checkpoints.CheckpointFormat;

namespace RnnCluster.Core.Checkpoints;

/// <summary>
/// The two lengths of the fixed 24-byte prefix. Every read starts with <see cref="Read"/>, and
/// the lengths are checked against each other before any of them sizes a slice or an allocation.
/// </summary>
internal readonly record struct CheckpointPrefix(ulong TotalLength, uint HeaderLength)
{
    /// <summary>Where the header ends and the parameters begin.</summary>
    public long HeaderEnd => PrefixSize + (long)HeaderLength;

    /// <summary>
    /// Magic, format version, then the two lengths. <paramref name="bytes"/> may be the whole file
    /// or only its first <see cref="PrefixSize"/> bytes: the outcome is the same, so a stream
    /// needs to read no more than the prefix to fail like an array.
    /// </summary>
    public static CheckpointPrefix Read(ReadOnlySpan<byte> bytes)
    {
        int length = bytes.Length;
        int magicBytes = Math.Min(length, Magic.Length);
        if (!bytes[..magicBytes].SequenceEqual(Magic[..magicBytes]))
            throw new CheckpointException(
                CheckpointErrorKind.NotACheckpoint,
                $"not an RnnCluster checkpoint: it starts with {CheckpointListing.ShowBytes(bytes[..magicBytes])}, a checkpoint starts with {CheckpointListing.ShowBytes(Magic)}");
        if (length < Magic.Length)
            throw CheckpointDiagnosis.Truncated("magic", 0, Magic.Length, length, length, null);
        if (length < VersionOffset + 4)
            throw CheckpointDiagnosis.Truncated("format version", VersionOffset, 4, length - VersionOffset, length, null);
        uint version = BinaryPrimitives.ReadUInt32LittleEndian(bytes[VersionOffset..]);
        if (version != CurrentVersion)
            throw new CheckpointException(CheckpointErrorKind.UnsupportedVersion, $"format version {version}, this build reads {CurrentVersion}");
        if (length < TotalLengthOffset + 8)
            throw CheckpointDiagnosis.Truncated("total length", TotalLengthOffset, 8, length - TotalLengthOffset, length, null);
        ulong total = BinaryPrimitives.ReadUInt64LittleEndian(bytes[TotalLengthOffset..]);
        if (length < HeaderLengthOffset + 4)
            throw CheckpointDiagnosis.Truncated("header length", HeaderLengthOffset, 4, length - HeaderLengthOffset, length, total);
        uint header = BinaryPrimitives.ReadUInt32LittleEndian(bytes[HeaderLengthOffset..]);
        return new CheckpointPrefix(total, header);
    }

    /// <param name="available">The bytes there are, when known: a header that reaches past them is truncation.</param>
    public void CheckHeaderLength(long? available)
    {
        if (TotalLength < MinimumLength)
            throw new CheckpointException(CheckpointErrorKind.Invalid, $"the declared length {TotalLength} is shorter than the smallest checkpoint ({MinimumLength} bytes)");
        if (HeaderLength > TotalLength - MinimumLength || HeaderLength > MaxHeaderLength)
            throw new CheckpointException(CheckpointErrorKind.Invalid, $"the header length {HeaderLength} does not fit in a checkpoint of {TotalLength} bytes");
        if (available is long length && length < HeaderEnd)
            throw new CheckpointException(CheckpointErrorKind.Truncated,
                $"truncated checkpoint: the file has {length} bytes, its header alone needs {HeaderEnd} (the header declares {TotalLength} in total)");
    }

    /// <summary>The total length that a header of this length followed by arrays of these sizes makes.</summary>
    public ulong ExpectedLength(int parameterCount, int stateCount) =>
        (ulong)(HeaderEnd + 4L * parameterCount + 4L * stateCount + ChecksumSize);

    public void CheckSizes(int parameterCount, int stateCount)
    {
        ulong expected = ExpectedLength(parameterCount, stateCount);
        if (expected != TotalLength)
            throw new CheckpointException(
                CheckpointErrorKind.Invalid,
                $"inconsistent lengths: {parameterCount} parameters and {stateCount} optimizer state values after a {HeaderLength}-byte header make {expected} bytes, the total-length field says {TotalLength}");
    }
}
