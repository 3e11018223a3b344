using System.Buffers.Binary;
using static RnnCluster.Core.Checkpoints.CheckpointFormat;

namespace RnnCluster.Core.Checkpoints;

/// <summary>
/// Turns a file whose length or checksum is wrong into one precise error. A wrong length alone
/// does not say what happened: the file may be cut short, have bytes appended, or have a damaged
/// length field, and only the checksum and the header tell these apart.
/// </summary>
internal static class CheckpointDiagnosis
{
    /// <summary>
    /// Length and checksum. Tells truncation (the file is shorter than declared), trailing bytes
    /// (a valid checkpoint followed by more) and corruption (anything else, including a damaged
    /// length field) apart.
    /// </summary>
    public static void VerifyIntegrity(ReadOnlySpan<byte> bytes, CheckpointPrefix prefix)
    {
        ulong actual = (ulong)bytes.Length;
        ulong declared = prefix.TotalLength;
        if (actual == declared)
        {
            if (declared < MinimumLength)
                throw new CheckpointException(CheckpointErrorKind.Invalid, $"the declared length {declared} is shorter than the smallest checkpoint ({MinimumLength} bytes)");
            VerifyChecksum(StoredChecksum(bytes), XxHash64.Hash(bytes[..^ChecksumSize]));
            return;
        }

        if (actual < declared && (actual < MinimumLength || !LengthFieldDamaged(bytes)))
            throw LocateTruncation(bytes, prefix);

        if (actual > declared && declared >= MinimumLength)
        {
            var content = bytes[..(int)declared];
            if (XxHash64.Hash(content[..^ChecksumSize]) == StoredChecksum(content))
                throw new CheckpointException(
                    CheckpointErrorKind.TrailingBytes,
                    $"{actual - declared} trailing bytes after the end of the checkpoint at offset {declared} (the file has {actual} bytes)");
        }

        // The length field itself is damaged (shorter file: the checksum at the file's end
        // matches once the field holds the real length), or the file is corrupt and longer than
        // its (possibly damaged) length field says.
        if (actual < MinimumLength)
            throw new CheckpointException(CheckpointErrorKind.Invalid, $"the declared length {declared} is impossible for a file of {actual} bytes");
        throw ChecksumMismatch(StoredChecksum(bytes), XxHash64.Hash(bytes[..^ChecksumSize]),
            $"its total-length field says {declared} bytes, the file has {actual}");
    }

    /// <summary>The checksum of a file whose length matches its length field, however its bytes were hashed.</summary>
    public static void VerifyChecksum(ulong stored, ulong computed)
    {
        if (computed != stored)
            throw ChecksumMismatch(stored, computed, null);
    }

    /// <summary>
    /// The file's length against the declared one, for a header read that does not read the
    /// arrays and so cannot use the checksum to tell damage from truncation.
    /// </summary>
    public static void CheckLengthWithoutChecksum(long length, CheckpointPrefix prefix, CheckpointHeader header)
    {
        if ((ulong)length < prefix.TotalLength)
            throw TruncatedArrays(length, prefix, header.ParameterCount, header.OptimizerStateCount);
        if ((ulong)length > prefix.TotalLength)
            throw new CheckpointException(
                CheckpointErrorKind.TrailingBytes,
                $"{(ulong)length - prefix.TotalLength} trailing bytes: the file has {length} bytes, its header declares {prefix.TotalLength}");
    }

    public static CheckpointException Truncated(string section, long offset, long needed, long available, long dataLength, ulong? declared)
    {
        string total = declared is ulong d
            ? $"the file has {dataLength} bytes, its header declares {d}"
            : dataLength == 0 ? "the file is empty" : $"the file has {dataLength} bytes";
        return new CheckpointException(
            CheckpointErrorKind.Truncated,
            $"truncated checkpoint: expected {needed} bytes of {section} at offset {offset}, but only {Math.Max(available, 0)} remain ({total})");
    }

    private static CheckpointException ChecksumMismatch(ulong stored, ulong computed, string? detail) =>
        new(CheckpointErrorKind.ChecksumMismatch,
            $"checksum mismatch: stored {stored:x16} computed {computed:x16}, the file is corrupt"
            + (detail is null ? "" : $" ({detail})"));

    private static ulong StoredChecksum(ReadOnlySpan<byte> file) => BinaryPrimitives.ReadUInt64LittleEndian(file[^ChecksumSize..]);

    /// <summary>True when the checksum at the file's end matches once the length field holds the file's real length.</summary>
    private static bool LengthFieldDamaged(ReadOnlySpan<byte> bytes)
    {
        var hash = XxHash64.Create();
        Span<byte> realLength = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(realLength, (ulong)bytes.Length);
        hash.Append(bytes[..TotalLengthOffset]);
        hash.Append(realLength);
        hash.Append(bytes[(TotalLengthOffset + 8)..^ChecksumSize]);
        return hash.Finish() == StoredChecksum(bytes);
    }

    /// <summary>Names the section a truncated file ends in, parsing as much of the header as is present.</summary>
    private static CheckpointException LocateTruncation(ReadOnlySpan<byte> bytes, CheckpointPrefix prefix)
    {
        try
        {
            var parsed = CheckpointHeaderParser.Parse(bytes, prefix);
            // A header that is whole and consistent: the file ends somewhere in the arrays.
            if (bytes.Length >= prefix.HeaderEnd)
                return TruncatedArrays(bytes.Length, prefix, parsed.Header.ParameterCount, parsed.Header.OptimizerStateCount);
        }
        catch (CheckpointException e) when (e.Kind == CheckpointErrorKind.Truncated)
        {
            return e;
        }
        catch (CheckpointException)
        {
            // The part that is present does not parse either: fall back to the lengths alone.
        }
        return new CheckpointException(
            CheckpointErrorKind.Truncated,
            $"truncated checkpoint: the file has {bytes.Length} bytes, its header declares {prefix.TotalLength}");
    }

    private static CheckpointException TruncatedArrays(long length, CheckpointPrefix prefix, int parameterCount, int stateCount)
    {
        long parametersStart = prefix.HeaderEnd;
        long stateStart = parametersStart + 4L * parameterCount;
        long checksumStart = stateStart + 4L * stateCount;
        if (length < parametersStart)
            return new CheckpointException(CheckpointErrorKind.Truncated,
                $"truncated checkpoint: the file has {length} bytes, its header alone needs {parametersStart} (the header declares {prefix.TotalLength} in total)");
        if (length < stateStart)
            return Truncated($"parameters ({parameterCount} float32 values)", parametersStart, stateStart - parametersStart, length - parametersStart, length, prefix.TotalLength);
        if (length < checksumStart)
            return Truncated($"optimizer state ({stateCount} float32 values)", stateStart, checksumStart - stateStart, length - stateStart, length, prefix.TotalLength);
        return Truncated("checksum", checksumStart, ChecksumSize, length - checksumStart, length, prefix.TotalLength);
    }
}
