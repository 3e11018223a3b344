using System.Buffers.Binary;
using System.Globalization;

namespace RnnCluster.Core.Checkpoints;

/// <summary>
/// Bounds-checked little-endian reads over one window of a checkpoint. Running past the window
/// never indexes out of range: it throws a <see cref="CheckpointException"/> that names the
/// section, its offset and how many bytes it needed — "truncated" when the window ends where the
/// data ends, "malformed header" when it ends at the header's declared length.
/// </summary>
internal ref struct SectionReader
{
    private readonly ReadOnlySpan<byte> _data;
    private readonly long _origin;
    private readonly bool _endIsDataEnd;
    private readonly long _dataLength;
    private readonly ulong? _declaredLength;
    private int _position;

    /// <param name="data">The window.</param>
    /// <param name="origin">Absolute offset of <paramref name="data"/>[0] in the file.</param>
    /// <param name="endIsDataEnd">true: the window ends because the data ends (truncation); false: it ends at a declared length.</param>
    /// <param name="dataLength">Length of all the data, for messages.</param>
    /// <param name="declaredLength">The total length the prefix declares, for messages.</param>
    public SectionReader(ReadOnlySpan<byte> data, long origin, bool endIsDataEnd, long dataLength, ulong? declaredLength)
    {
        _data = data;
        _origin = origin;
        _endIsDataEnd = endIsDataEnd;
        _dataLength = dataLength;
        _declaredLength = declaredLength;
        _position = 0;
    }

    public readonly int Remaining => _data.Length - _position;

    public readonly long Offset => _origin + _position;

    /// <param name="section">Section name; a composite format with {0} when <paramref name="index"/> >= 0.</param>
    public ReadOnlySpan<byte> Take(long count, string section, int index = -1, string? suffix = null)
    {
        Require(count, section, index, suffix);
        var slice = _data.Slice(_position, (int)count);
        _position += (int)count;
        return slice;
    }

    /// <summary>Fails like <see cref="Take"/> when fewer than <paramref name="count"/> bytes remain, without consuming.</summary>
    public readonly void Require(long count, string section, int index = -1, string? suffix = null)
    {
        if (count < 0 || count > Remaining)
            throw Short(count, section, index, suffix);
    }

    public int Int32(string section) => BinaryPrimitives.ReadInt32LittleEndian(Take(4, section));

    public long Int64(string section) => BinaryPrimitives.ReadInt64LittleEndian(Take(8, section));

    /// <summary>A uint32 byte length followed by that many bytes of strict UTF-8.</summary>
    public string String(string section, int index = -1)
    {
        uint length = BinaryPrimitives.ReadUInt32LittleEndian(Take(4, section, index, " length"));
        var bytes = Take(length, section, index);
        try
        {
            return CheckpointFormat.StrictUtf8.GetString(bytes);
        }
        catch (ArgumentException e)
        {
            throw new CheckpointException(
                CheckpointErrorKind.Invalid,
                $"{Name(section, index, null)} at offset {Offset - length} is not valid UTF-8", e);
        }
    }

    public readonly void ExpectEnd(long declaredHeaderLength)
    {
        if (Remaining != 0)
            throw new CheckpointException(
                CheckpointErrorKind.Invalid,
                $"malformed header: {Remaining} unread bytes at offset {Offset}; the header declares {declaredHeaderLength} bytes but its fields end earlier");
    }

    private readonly CheckpointException Short(long count, string section, int index, string? suffix)
    {
        string name = Name(section, index, suffix);
        if (_endIsDataEnd)
            return CheckpointDiagnosis.Truncated(name, Offset, count, Remaining, _dataLength, _declaredLength);
        return new CheckpointException(
            CheckpointErrorKind.Invalid,
            $"malformed header: {name} needs {count} bytes at offset {Offset}, but the header's declared length ends {Remaining} bytes later");
    }

    private static string Name(string section, int index, string? suffix) =>
        (index < 0 ? section : string.Format(CultureInfo.InvariantCulture, section, index)) + suffix;
}
