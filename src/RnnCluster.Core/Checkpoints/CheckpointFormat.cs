using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Text;
using RnnCluster.Core.Model;
using RnnCluster.Core.Optim;
using RnnCluster.Core.Text;

namespace RnnCluster.Core.Checkpoints;

/// <summary>
/// The binary checkpoint format. Every number is little-endian; strings are a uint32 byte
/// length followed by UTF-8; floats are IEEE-754 binary32 stored bit for bit (negative zero,
/// subnormals and the optimizer state's NaN payloads survive a round trip).
///
/// Format version 1:
/// <code>
///  offset  size  field
///  0       8     magic "RNNCKPT\0"
///  8       4     uint32 format version (1)
///  12      8     uint64 total file length L, including the checksum
///  20      4     uint32 header length H (the bytes from offset 24 up to the parameters)
///  24      H     header:
///                  int32  parameter layout version (ModelDescription.LayoutVersion)
///                  string run id
///                  int64  step (optimizer steps applied)
///                  model (24):    int32 cell, vocab size, embed, hidden, layers; float32 dropout
///                  vocabulary:    int32 tokenizer kind, unknown id, token count N; N × string
///                  settings (76): uint64 seed; int32 seq len, batch, micro-batches;
///                                 int32 optimizer kind; float32 lr, beta1, beta2, epsilon,
///                                   weight decay, momentum, alpha;
///                                 int32 schedule kind, warmup steps, decay steps;
///                                   float32 decay factor, min lr fraction;
///                                 float32 clip norm
///                  metadata (16): uint32 flags (1 = loss, 2 = created-at); float32 last train
///                                 loss; int64 created-at Unix ms (absent values are 0)
///                  sizes (8):     int32 parameter count P, optimizer state count S
///  24+H    4·P   parameters, float32, ParameterLayout order
///  ...     4·S   optimizer state, float32, opaque
///  L-8     8     uint64 XXH64 (seed 0) of bytes [0, L-8)
/// </code>
/// The checksum is standard XXH64, so a file can be checked outside .NET:
/// <c>head -c -8 f.ckpt | xxhsum -H1</c> prints the value stored little-endian in the last 8 bytes.
///
/// Reading checks, in this order: magic, format version, the file length against L (truncated,
/// trailing bytes), the checksum, then the content (layout version, enums, settings, vocabulary
/// size, parameter count, finite parameters). A damaged byte anywhere after the version field is
/// therefore reported as a checksum mismatch (a damaged length field too: the checksum matches
/// once the field holds the real length), never as a misleading truncation or content error.
/// </summary>
public static class CheckpointFormat
{
    public const uint CurrentVersion = 1;

    internal const int VersionOffset = 8;
    internal const int TotalLengthOffset = 12;
    internal const int HeaderLengthOffset = 20;
    internal const int PrefixSize = 24;
    internal const int ChecksumSize = 8;
    internal const int MinimumLength = PrefixSize + ChecksumSize;
    internal const int MaxHeaderLength = 256 << 20;
    internal const int ModelSize = 24;
    internal const int VocabularyHeaderSize = 12;
    internal const int SettingsSize = 76;
    internal const int MetadataSize = 16;
    internal const int SizesSize = 8;

    private const uint MetadataHasLoss = 1;
    private const uint MetadataHasCreatedAt = 2;

    internal static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The 8 bytes every checkpoint starts with: ASCII "RNNCKPT" and a NUL.</summary>
    public static ReadOnlySpan<byte> Magic => "RNNCKPT\0"u8;

    // ---------------------------------------------------------------- writing

    /// <summary>The whole checkpoint as one array. Throws <see cref="CheckpointException"/> (Invalid) for content a reader would reject.</summary>
    public static byte[] Serialize(Checkpoint checkpoint) => Serialize(checkpoint, validate: true);

    /// <summary>Writes the checkpoint without an intermediate copy of the arrays.</summary>
    public static void WriteTo(Stream stream, Checkpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(stream);
        byte[] head = BuildHead(checkpoint, validate: true, out _);
        var hash = XxHash64.Create();
        hash.Append(head);
        stream.Write(head);
        WriteFloats(stream, checkpoint.Parameters, ref hash, updateHash: true);
        WriteFloats(stream, checkpoint.OptimizerState, ref hash, updateHash: true);
        Span<byte> checksum = stackalloc byte[ChecksumSize];
        BinaryPrimitives.WriteUInt64LittleEndian(checksum, hash.Finish());
        stream.Write(checksum);
    }

    /// <summary>
    /// Writes to <paramref name="path"/> atomically: into "path.tmp", flushed to disk, then
    /// renamed over the target, so a crash never leaves a half-written checkpoint under the name.
    /// </summary>
    public static void SaveFile(string path, Checkpoint checkpoint)
    {
        string full = Path.GetFullPath(path);
        string temp = full + ".tmp";
        if (Path.GetDirectoryName(full) is { Length: > 0 } directory)
            Directory.CreateDirectory(directory);
        try
        {
            using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
            {
                WriteTo(file, checkpoint);
                file.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            try { File.Delete(temp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
    }

    /// <summary>The flat buffer as raw little-endian float32 in parameter order: exactly 4·N bytes, no header.</summary>
    public static void WriteRawParameters(Stream stream, ReadOnlySpan<float> parameters)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var unused = XxHash64.Create();
        WriteFloats(stream, parameters, ref unused, updateHash: false);
    }

    /// <param name="validate">false only for tests that need files a reader must reject.</param>
    internal static byte[] Serialize(Checkpoint checkpoint, bool validate)
    {
        byte[] head = BuildHead(checkpoint, validate, out long total);
        if (total > Array.MaxLength)
            throw new CheckpointException(CheckpointErrorKind.Invalid, $"a checkpoint of {total} bytes does not fit in one array; use WriteTo(Stream)");
        byte[] bytes = GC.AllocateUninitializedArray<byte>((int)total);
        head.CopyTo(bytes, 0);
        var hash = XxHash64.Create();
        hash.Append(head);
        int position = head.Length;
        position += CopyFloatsToLittleEndian(checkpoint.Parameters, bytes.AsSpan(position), ref hash);
        position += CopyFloatsToLittleEndian(checkpoint.OptimizerState, bytes.AsSpan(position), ref hash);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(position), hash.Finish());
        return bytes;
    }

    /// <summary>Prefix and header, with the prefix's lengths filled in.</summary>
    private static byte[] BuildHead(Checkpoint c, bool validate, out long total)
    {
        ArgumentNullException.ThrowIfNull(c);
        ArgumentNullException.ThrowIfNull(c.RunId, nameof(c.RunId));
        ArgumentNullException.ThrowIfNull(c.Model, nameof(c.Model));
        ArgumentNullException.ThrowIfNull(c.Vocabulary, nameof(c.Vocabulary));
        ArgumentNullException.ThrowIfNull(c.Settings, nameof(c.Settings));
        ArgumentNullException.ThrowIfNull(c.Settings.Optimizer, nameof(c.Settings.Optimizer));
        ArgumentNullException.ThrowIfNull(c.Settings.Schedule, nameof(c.Settings.Schedule));
        ArgumentNullException.ThrowIfNull(c.Parameters, nameof(c.Parameters));
        ArgumentNullException.ThrowIfNull(c.OptimizerState, nameof(c.OptimizerState));
        ArgumentNullException.ThrowIfNull(c.Metadata, nameof(c.Metadata));
        if (validate)
        {
            CheckStep(c.Step);
            var layout = ValidateModel(c.Model);
            CheckVocabularyCount(c.Vocabulary.Count, c.Model);
            ValidateSettings(c.Settings);
            CheckParameterCount(c.Parameters.Length, layout);
            CheckFinite(c.Parameters, layout);
        }

        var w = new ArrayBufferWriter<byte>(1024 + 8 * c.Vocabulary.Count);
        w.GetSpan(PrefixSize)[..PrefixSize].Clear();
        w.Advance(PrefixSize);

        WriteInt32(w, ModelDescription.LayoutVersion);
        WriteString(w, c.RunId, "run id");
        WriteInt64(w, c.Step);

        var m = c.Model;
        WriteInt32(w, (int)m.Cell);
        WriteInt32(w, m.VocabSize);
        WriteInt32(w, m.Embed);
        WriteInt32(w, m.Hidden);
        WriteInt32(w, m.Layers);
        WriteSingle(w, m.Dropout);

        var v = c.Vocabulary;
        WriteInt32(w, (int)v.Kind);
        WriteInt32(w, v.UnknownId);
        WriteInt32(w, v.Count);
        for (int i = 0; i < v.Count; i++)
            WriteString(w, v.Tokens[i], $"vocabulary token {i}");

        var s = c.Settings;
        var o = s.Optimizer;
        var l = s.Schedule;
        WriteUInt64(w, s.Seed);
        WriteInt32(w, s.SeqLen);
        WriteInt32(w, s.Batch);
        WriteInt32(w, s.MicroBatches);
        WriteInt32(w, (int)o.Kind);
        WriteSingle(w, o.LearningRate);
        WriteSingle(w, o.Beta1);
        WriteSingle(w, o.Beta2);
        WriteSingle(w, o.Epsilon);
        WriteSingle(w, o.WeightDecay);
        WriteSingle(w, o.Momentum);
        WriteSingle(w, o.Alpha);
        WriteInt32(w, (int)l.Kind);
        WriteInt32(w, l.WarmupSteps);
        WriteInt32(w, l.DecaySteps);
        WriteSingle(w, l.DecayFactor);
        WriteSingle(w, l.MinLrFraction);
        WriteSingle(w, s.ClipNorm);

        var md = c.Metadata;
        WriteUInt32(w, (md.LastTrainLoss.HasValue ? MetadataHasLoss : 0) | (md.CreatedAtUnixMs.HasValue ? MetadataHasCreatedAt : 0));
        WriteSingle(w, md.LastTrainLoss ?? 0f);
        WriteInt64(w, md.CreatedAtUnixMs ?? 0L);

        WriteInt32(w, c.Parameters.Length);
        WriteInt32(w, c.OptimizerState.Length);

        byte[] head = w.WrittenSpan.ToArray();
        int headerLength = head.Length - PrefixSize;
        total = (long)head.Length + 4L * c.Parameters.Length + 4L * c.OptimizerState.Length + ChecksumSize;
        Magic.CopyTo(head);
        BinaryPrimitives.WriteUInt32LittleEndian(head.AsSpan(VersionOffset), CurrentVersion);
        BinaryPrimitives.WriteUInt64LittleEndian(head.AsSpan(TotalLengthOffset), (ulong)total);
        BinaryPrimitives.WriteUInt32LittleEndian(head.AsSpan(HeaderLengthOffset), (uint)headerLength);
        return head;
    }

    private static void WriteInt32(ArrayBufferWriter<byte> w, int value)
    {
        BinaryPrimitives.WriteInt32LittleEndian(w.GetSpan(4), value);
        w.Advance(4);
    }

    private static void WriteUInt32(ArrayBufferWriter<byte> w, uint value)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(w.GetSpan(4), value);
        w.Advance(4);
    }

    private static void WriteInt64(ArrayBufferWriter<byte> w, long value)
    {
        BinaryPrimitives.WriteInt64LittleEndian(w.GetSpan(8), value);
        w.Advance(8);
    }

    private static void WriteUInt64(ArrayBufferWriter<byte> w, ulong value)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(w.GetSpan(8), value);
        w.Advance(8);
    }

    private static void WriteSingle(ArrayBufferWriter<byte> w, float value)
    {
        BinaryPrimitives.WriteSingleLittleEndian(w.GetSpan(4), value);
        w.Advance(4);
    }

    private static void WriteString(ArrayBufferWriter<byte> w, string value, string what)
    {
        ArgumentNullException.ThrowIfNull(value, what);
        int length;
        try
        {
            length = StrictUtf8.GetByteCount(value);
        }
        catch (EncoderFallbackException e)
        {
            throw new CheckpointException(CheckpointErrorKind.Invalid, $"{what} is not valid Unicode (a lone surrogate at index {e.Index})", e);
        }
        WriteUInt32(w, (uint)length);
        StrictUtf8.GetBytes(value, w.GetSpan(length));
        w.Advance(length);
    }

    /// <summary>Floats per chunk when copying and hashing: big enough for few calls, small enough to hash from cache.</summary>
    private const int ChunkFloats = 1 << 18;

    /// <summary>Copies (one block copy per chunk on little-endian hosts) and hashes what it wrote.</summary>
    private static int CopyFloatsToLittleEndian(ReadOnlySpan<float> values, Span<byte> destination, ref XxHash64 hash)
    {
        for (int start = 0; start < values.Length; start += ChunkFloats)
        {
            var chunk = values.Slice(start, Math.Min(ChunkFloats, values.Length - start));
            var target = destination.Slice(start * sizeof(float), chunk.Length * sizeof(float));
            if (BitConverter.IsLittleEndian)
            {
                MemoryMarshal.AsBytes(chunk).CopyTo(target);
            }
            else
            {
                for (int i = 0; i < chunk.Length; i++)
                    BinaryPrimitives.WriteSingleLittleEndian(target[(i * 4)..], chunk[i]);
            }
            hash.Append(target);
        }
        return values.Length * sizeof(float);
    }

    private static void WriteFloats(Stream stream, ReadOnlySpan<float> values, ref XxHash64 hash, bool updateHash)
    {
        if (BitConverter.IsLittleEndian)
        {
            var bytes = MemoryMarshal.AsBytes(values);
            if (!updateHash)
            {
                stream.Write(bytes);
                return;
            }
            for (int start = 0; start < bytes.Length; start += ChunkFloats * sizeof(float))
            {
                var chunk = bytes.Slice(start, Math.Min(ChunkFloats * sizeof(float), bytes.Length - start));
                hash.Append(chunk);
                stream.Write(chunk);
            }
            return;
        }
        byte[] buffer = ArrayPool<byte>.Shared.Rent(ChunkFloats * sizeof(float));
        try
        {
            for (int start = 0; start < values.Length; start += ChunkFloats)
            {
                var chunk = values.Slice(start, Math.Min(ChunkFloats, values.Length - start));
                var scratch = XxHash64.Create();
                var span = buffer.AsSpan(0, CopyFloatsToLittleEndian(chunk, buffer, ref scratch));
                if (updateHash)
                    hash.Append(span);
                stream.Write(span);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    // ---------------------------------------------------------------- reading

    /// <summary>Reads and fully validates a checkpoint (see the class remarks for the order of checks).</summary>
    public static Checkpoint Deserialize(ReadOnlySpan<byte> bytes)
    {
        var prefix = ReadPrefix(bytes);
        VerifyIntegrity(bytes, prefix);
        CheckHeaderLength(prefix, bytes.Length);

        var reader = new SectionReader(bytes.Slice(PrefixSize, (int)prefix.HeaderLength), PrefixSize, endIsDataEnd: false, bytes.Length, prefix.TotalLength);
        var parsed = ParseHeader(ref reader, prefix.TotalLength);
        reader.ExpectEnd(prefix.HeaderLength);
        var h = parsed.Header;
        CheckSizes(prefix, h.ParameterCount, h.OptimizerStateCount);

        int offset = PrefixSize + (int)prefix.HeaderLength;
        float[] parameters = ReadFloats(bytes.Slice(offset, h.ParameterCount * sizeof(float)));
        offset += h.ParameterCount * sizeof(float);
        float[] state = ReadFloats(bytes.Slice(offset, h.OptimizerStateCount * sizeof(float)));
        CheckFinite(parameters, parsed.Layout);
        return new Checkpoint(h.RunId, h.Step, h.Model, h.Vocabulary, h.Settings, parameters, state, h.Metadata);
    }

    /// <summary>Reads the rest of <paramref name="stream"/> as one checkpoint (bytes after it are an error).</summary>
    public static Checkpoint ReadFrom(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (stream.CanSeek)
        {
            long start = stream.Position;
            long remaining = stream.Length - start;
            if (TryReadDirect(stream, remaining) is Checkpoint direct)
                return direct;
            // Something is off (the direct path only handles intact-looking files): read it all
            // and let Deserialize tell truncation, trailing bytes and corruption apart.
            stream.Position = start;
            if (remaining > Array.MaxLength)
                throw new CheckpointException(CheckpointErrorKind.Invalid, $"{remaining} bytes are more than one checkpoint array can hold");
            byte[] bytes = GC.AllocateUninitializedArray<byte>((int)remaining);
            int read = stream.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false);
            return Deserialize(bytes.AsSpan(0, read));
        }
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return Deserialize(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
    }

    /// <summary>
    /// Fast path of <see cref="ReadFrom"/> for a seekable stream whose length matches its prefix:
    /// reads the arrays straight into their float arrays, hashing each chunk as it arrives, with
    /// the same checks in the same order as <see cref="Deserialize"/>. Returns null (nothing
    /// thrown) when the file does not look intact, so that the caller can diagnose it.
    /// </summary>
    private static Checkpoint? TryReadDirect(Stream stream, long available)
    {
        if (available < MinimumLength)
            return null;
        byte[] prefixBytes = new byte[PrefixSize];
        if (stream.ReadAtLeast(prefixBytes, PrefixSize, throwOnEndOfStream: false) < PrefixSize
            || !prefixBytes.AsSpan(0, Magic.Length).SequenceEqual(Magic)
            || BinaryPrimitives.ReadUInt32LittleEndian(prefixBytes.AsSpan(VersionOffset)) != CurrentVersion)
            return null;
        var prefix = ReadPrefix(prefixBytes);
        if (prefix.TotalLength != (ulong)available || prefix.HeaderLength < SizesSize || prefix.HeaderLength > MaxHeaderLength
            || PrefixSize + (long)prefix.HeaderLength + ChecksumSize > available)
            return null;

        byte[] head = new byte[PrefixSize + prefix.HeaderLength];
        prefixBytes.CopyTo(head, 0);
        if (stream.ReadAtLeast(head.AsSpan(PrefixSize), (int)prefix.HeaderLength, throwOnEndOfStream: false) < prefix.HeaderLength)
            return null;
        // The array sizes are the header's last field.
        int parameterCount = BinaryPrimitives.ReadInt32LittleEndian(head.AsSpan(head.Length - SizesSize));
        int stateCount = BinaryPrimitives.ReadInt32LittleEndian(head.AsSpan(head.Length - SizesSize + 4));
        if (parameterCount < 0 || stateCount < 0 || ExpectedLength(prefix.HeaderLength, parameterCount, stateCount) != prefix.TotalLength)
            return null;

        var hash = XxHash64.Create();
        hash.Append(head);
        float[] parameters = GC.AllocateUninitializedArray<float>(parameterCount);
        float[] state = GC.AllocateUninitializedArray<float>(stateCount);
        Span<byte> stored = stackalloc byte[ChecksumSize];
        if (!ReadFloatsFrom(stream, parameters, ref hash) || !ReadFloatsFrom(stream, state, ref hash)
            || stream.ReadAtLeast(stored, ChecksumSize, throwOnEndOfStream: false) < ChecksumSize)
            return null;
        ulong computed = hash.Finish();
        if (computed != BinaryPrimitives.ReadUInt64LittleEndian(stored))
            throw ChecksumMismatch(BinaryPrimitives.ReadUInt64LittleEndian(stored), computed, null);

        CheckHeaderLength(prefix, available);
        var reader = new SectionReader(head.AsSpan(PrefixSize), PrefixSize, endIsDataEnd: false, available, prefix.TotalLength);
        var parsed = ParseHeader(ref reader, prefix.TotalLength);
        reader.ExpectEnd(prefix.HeaderLength);
        var h = parsed.Header;
        CheckSizes(prefix, h.ParameterCount, h.OptimizerStateCount);
        CheckFinite(parameters, parsed.Layout);
        return new Checkpoint(h.RunId, h.Step, h.Model, h.Vocabulary, h.Settings, parameters, state, h.Metadata);
    }

    /// <summary>Fills <paramref name="values"/> from little-endian bytes, hashing each chunk as it arrives; false when the stream ends early.</summary>
    private static bool ReadFloatsFrom(Stream stream, float[] values, ref XxHash64 hash)
    {
        var bytes = MemoryMarshal.AsBytes(values.AsSpan());
        for (int start = 0; start < bytes.Length; start += ChunkFloats * sizeof(float))
        {
            var chunk = bytes.Slice(start, Math.Min(ChunkFloats * sizeof(float), bytes.Length - start));
            if (stream.ReadAtLeast(chunk, chunk.Length, throwOnEndOfStream: false) < chunk.Length)
                return false;
            hash.Append(chunk);
        }
        if (!BitConverter.IsLittleEndian)
        {
            var words = MemoryMarshal.Cast<float, int>(values.AsSpan());
            BinaryPrimitives.ReverseEndianness(words, words);
        }
        return true;
    }

    /// <summary>Loads and validates a checkpoint file; error messages start with the path.</summary>
    public static Checkpoint LoadFile(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
        try
        {
            return ReadFrom(file);
        }
        catch (CheckpointException e)
        {
            throw new CheckpointException(e.Kind, $"{path}: {e.Message}", e);
        }
    }

    /// <summary>
    /// The header from the start of a checkpoint: <paramref name="bytes"/> must reach at least the
    /// end of the header (a whole file is fine). The header's fields are validated, but the
    /// checksum is not (it covers the arrays): use <see cref="Deserialize"/> to verify a file.
    /// </summary>
    public static CheckpointHeader ReadHeader(ReadOnlySpan<byte> bytes)
    {
        var prefix = ReadPrefix(bytes);
        CheckHeaderLength(prefix, available: null);
        long headerEnd = PrefixSize + prefix.HeaderLength;
        bool cut = bytes.Length < headerEnd;
        var window = cut ? bytes[PrefixSize..] : bytes.Slice(PrefixSize, (int)prefix.HeaderLength);
        var reader = new SectionReader(window, PrefixSize, endIsDataEnd: cut, bytes.Length, prefix.TotalLength);
        var parsed = ParseHeader(ref reader, prefix.TotalLength);
        reader.ExpectEnd(prefix.HeaderLength);
        CheckSizes(prefix, parsed.Header.ParameterCount, parsed.Header.OptimizerStateCount);
        return parsed.Header;
    }

    /// <summary>
    /// Reads only the prefix and the header from the stream's position (the arrays are not read,
    /// the checksum is not verified). On a seekable stream a file shorter or longer than the
    /// header declares is reported as truncated or as having trailing bytes.
    /// </summary>
    public static CheckpointHeader ReadHeader(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        long? available = stream.CanSeek ? stream.Length - stream.Position : null;
        byte[] prefixBytes = new byte[PrefixSize];
        int read = stream.ReadAtLeast(prefixBytes, PrefixSize, throwOnEndOfStream: false);
        var prefix = ReadPrefix(prefixBytes.AsSpan(0, read));
        CheckHeaderLength(prefix, available);

        byte[] head = new byte[PrefixSize + prefix.HeaderLength];
        prefixBytes.CopyTo(head, 0);
        read = stream.ReadAtLeast(head.AsSpan(PrefixSize), (int)prefix.HeaderLength, throwOnEndOfStream: false);
        var header = ReadHeader(head.AsSpan(0, PrefixSize + read));

        if (available is long length)
        {
            if ((ulong)length < prefix.TotalLength)
                throw TruncatedArrays(length, prefix, header.ParameterCount, header.OptimizerStateCount);
            if ((ulong)length > prefix.TotalLength)
                throw new CheckpointException(
                    CheckpointErrorKind.TrailingBytes,
                    $"{(ulong)length - prefix.TotalLength} trailing bytes: the file has {length} bytes, its header declares {prefix.TotalLength}");
        }
        return header;
    }

    /// <summary><see cref="ReadHeader(Stream)"/> of a file; error messages start with the path.</summary>
    public static CheckpointHeader ReadHeaderFile(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 4096);
        try
        {
            return ReadHeader(file);
        }
        catch (CheckpointException e)
        {
            throw new CheckpointException(e.Kind, $"{path}: {e.Message}", e);
        }
    }

    internal readonly record struct Prefix(ulong TotalLength, uint HeaderLength);

    private sealed record ParsedHeader(CheckpointHeader Header, ParameterLayout Layout);

    private static Prefix ReadPrefix(ReadOnlySpan<byte> bytes)
    {
        int length = bytes.Length;
        int magicBytes = Math.Min(length, Magic.Length);
        if (!bytes[..magicBytes].SequenceEqual(Magic[..magicBytes]))
            throw new CheckpointException(
                CheckpointErrorKind.NotACheckpoint,
                $"not an RnnCluster checkpoint: it starts with {ShowBytes(bytes[..magicBytes])}, a checkpoint starts with {ShowBytes(Magic)}");
        if (length < Magic.Length)
            throw Truncated("magic", 0, Magic.Length, length, length, null);
        if (length < VersionOffset + 4)
            throw Truncated("format version", VersionOffset, 4, length - VersionOffset, length, null);
        uint version = BinaryPrimitives.ReadUInt32LittleEndian(bytes[VersionOffset..]);
        if (version != CurrentVersion)
            throw new CheckpointException(CheckpointErrorKind.UnsupportedVersion, $"format version {version}, this build reads {CurrentVersion}");
        if (length < TotalLengthOffset + 8)
            throw Truncated("total length", TotalLengthOffset, 8, length - TotalLengthOffset, length, null);
        ulong total = BinaryPrimitives.ReadUInt64LittleEndian(bytes[TotalLengthOffset..]);
        if (length < HeaderLengthOffset + 4)
            throw Truncated("header length", HeaderLengthOffset, 4, length - HeaderLengthOffset, length, total);
        uint header = BinaryPrimitives.ReadUInt32LittleEndian(bytes[HeaderLengthOffset..]);
        return new Prefix(total, header);
    }

    /// <summary>
    /// Length and checksum. Tells truncation (the file is shorter than declared), trailing bytes
    /// (a valid checkpoint followed by more) and corruption (anything else, including a damaged
    /// length field) apart.
    /// </summary>
    private static void VerifyIntegrity(ReadOnlySpan<byte> bytes, Prefix prefix)
    {
        ulong actual = (ulong)bytes.Length;
        ulong declared = prefix.TotalLength;
        if (actual == declared)
        {
            if (declared < MinimumLength)
                throw new CheckpointException(CheckpointErrorKind.Invalid, $"the declared length {declared} is shorter than the smallest checkpoint ({MinimumLength} bytes)");
            ulong computed = XxHash64.Hash(bytes[..^ChecksumSize]);
            ulong stored = StoredChecksum(bytes);
            if (computed != stored)
                throw ChecksumMismatch(stored, computed, null);
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
    private static CheckpointException LocateTruncation(ReadOnlySpan<byte> bytes, Prefix prefix)
    {
        long length = bytes.Length;
        long headerEnd = PrefixSize + (long)prefix.HeaderLength;
        try
        {
            if (length < headerEnd)
            {
                var reader = new SectionReader(bytes[PrefixSize..], PrefixSize, endIsDataEnd: true, length, prefix.TotalLength);
                ParseHeader(ref reader, prefix.TotalLength);
            }
            else
            {
                var reader = new SectionReader(bytes.Slice(PrefixSize, (int)prefix.HeaderLength), PrefixSize, endIsDataEnd: false, length, prefix.TotalLength);
                var parsed = ParseHeader(ref reader, prefix.TotalLength);
                if (reader.Remaining == 0 && ExpectedLength(prefix.HeaderLength, parsed.Header.ParameterCount, parsed.Header.OptimizerStateCount) == prefix.TotalLength)
                    return TruncatedArrays(length, prefix, parsed.Header.ParameterCount, parsed.Header.OptimizerStateCount);
            }
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
            $"truncated checkpoint: the file has {length} bytes, its header declares {prefix.TotalLength}");
    }

    private static CheckpointException TruncatedArrays(long length, Prefix prefix, int parameterCount, int stateCount)
    {
        long parametersStart = PrefixSize + (long)prefix.HeaderLength;
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

    internal static CheckpointException Truncated(string section, long offset, long needed, long available, long dataLength, ulong? declared)
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

    private static void CheckHeaderLength(Prefix prefix, long? available)
    {
        if (prefix.TotalLength < MinimumLength)
            throw new CheckpointException(CheckpointErrorKind.Invalid, $"the declared length {prefix.TotalLength} is shorter than the smallest checkpoint ({MinimumLength} bytes)");
        if (prefix.HeaderLength > prefix.TotalLength - MinimumLength || prefix.HeaderLength > MaxHeaderLength)
            throw new CheckpointException(CheckpointErrorKind.Invalid, $"the header length {prefix.HeaderLength} does not fit in a checkpoint of {prefix.TotalLength} bytes");
        if (available is long length && length < PrefixSize + (long)prefix.HeaderLength)
            throw new CheckpointException(CheckpointErrorKind.Truncated,
                $"truncated checkpoint: the file has {length} bytes, its header alone needs {PrefixSize + (long)prefix.HeaderLength} (the header declares {prefix.TotalLength} in total)");
    }

    private static ulong ExpectedLength(uint headerLength, int parameterCount, int stateCount) =>
        (ulong)(PrefixSize + (long)headerLength + 4L * parameterCount + 4L * stateCount + ChecksumSize);

    private static void CheckSizes(Prefix prefix, int parameterCount, int stateCount)
    {
        ulong expected = ExpectedLength(prefix.HeaderLength, parameterCount, stateCount);
        if (expected != prefix.TotalLength)
            throw new CheckpointException(
                CheckpointErrorKind.Invalid,
                $"inconsistent lengths: {parameterCount} parameters and {stateCount} optimizer state values after a {prefix.HeaderLength}-byte header make {expected} bytes, the total-length field says {prefix.TotalLength}");
    }

    private static ParsedHeader ParseHeader(ref SectionReader r, ulong fileLength)
    {
        int layoutVersion = r.Int32("layout version");
        if (layoutVersion != ModelDescription.LayoutVersion)
            throw new CheckpointException(
                CheckpointErrorKind.UnsupportedLayout,
                $"parameter layout version {layoutVersion}, this build uses {ModelDescription.LayoutVersion}: the parameter order differs");
        string runId = r.String("run id");
        long step = r.Int64("step");
        CheckStep(step);

        var m = r.Take(ModelSize, "model description");
        var model = new ModelDescription((CellKind)I32(m, 0), I32(m, 4), I32(m, 8), I32(m, 12), I32(m, 16), F32(m, 20));
        // Corrupt input must not make the layout allocate billions of layers: every layer holds
        // at least 3 floats (wx, wh, bx), so the declared file length bounds the layer count.
        if (model.Layers > 0 && (ulong)model.Layers * 12 > fileLength)
            throw new CheckpointException(CheckpointErrorKind.Invalid, $"model: {model.Layers} layers cannot fit in a checkpoint of {fileLength} bytes");
        var layout = ValidateModel(model);

        var vh = r.Take(VocabularyHeaderSize, "vocabulary header");
        var kind = (TokenizerKind)I32(vh, 0);
        int unknownId = I32(vh, 4);
        int count = I32(vh, 8);
        if (!Enum.IsDefined(kind))
            throw new CheckpointException(CheckpointErrorKind.Invalid, $"vocabulary: unknown tokenizer kind {(int)kind}");
        CheckVocabularyCount(count, model);
        r.Require(4L * count, "vocabulary tokens ({0} length prefixes at least)", count);
        var tokens = new string[count];
        for (int i = 0; i < count; i++)
            tokens[i] = r.String("vocabulary token {0}", i);
        Vocabulary vocabulary;
        try
        {
            vocabulary = new Vocabulary(kind, tokens, unknownId);
        }
        catch (ArgumentException e)
        {
            throw new CheckpointException(CheckpointErrorKind.Invalid, $"vocabulary: {e.Message}", e);
        }

        var s = r.Take(SettingsSize, "training settings");
        var optimizer = new OptimizerSettings(
            (OptimizerKind)I32(s, 20), F32(s, 24), F32(s, 28), F32(s, 32), F32(s, 36), F32(s, 40), F32(s, 44), F32(s, 48));
        var schedule = new LrSchedule((LrScheduleKind)I32(s, 52), I32(s, 56), I32(s, 60), F32(s, 64), F32(s, 68));
        var settings = new TrainingSettings(
            BinaryPrimitives.ReadUInt64LittleEndian(s), I32(s, 8), I32(s, 12), I32(s, 16), optimizer, schedule, F32(s, 72));
        ValidateSettings(settings);

        var md = r.Take(MetadataSize, "metadata");
        uint flags = BinaryPrimitives.ReadUInt32LittleEndian(md);
        float loss = F32(md, 4);
        long createdAt = BinaryPrimitives.ReadInt64LittleEndian(md[8..]);
        if ((flags & ~(MetadataHasLoss | MetadataHasCreatedAt)) != 0)
            throw new CheckpointException(CheckpointErrorKind.Invalid, $"metadata: unknown flags 0x{flags:X8}");
        if (((flags & MetadataHasLoss) == 0 && BitConverter.SingleToInt32Bits(loss) != 0)
            || ((flags & MetadataHasCreatedAt) == 0 && createdAt != 0))
            throw new CheckpointException(CheckpointErrorKind.Invalid, $"metadata: a value is stored that flags 0x{flags:X8} mark as absent");
        var metadata = new CheckpointMetadata(
            (flags & MetadataHasLoss) != 0 ? loss : null,
            (flags & MetadataHasCreatedAt) != 0 ? createdAt : null);

        var sizes = r.Take(SizesSize, "array sizes");
        int parameterCount = I32(sizes, 0);
        int stateCount = I32(sizes, 4);
        CheckParameterCount(parameterCount, layout);
        if (stateCount < 0)
            throw new CheckpointException(CheckpointErrorKind.Invalid, $"optimizer state: negative length {stateCount}");

        var header = new CheckpointHeader(runId, step, model, vocabulary, settings, metadata, parameterCount, stateCount, (long)fileLength);
        return new ParsedHeader(header, layout);
    }

    private static int I32(ReadOnlySpan<byte> s, int offset) => BinaryPrimitives.ReadInt32LittleEndian(s[offset..]);

    private static float F32(ReadOnlySpan<byte> s, int offset) => BinaryPrimitives.ReadSingleLittleEndian(s[offset..]);

    private static float[] ReadFloats(ReadOnlySpan<byte> bytes)
    {
        float[] values = GC.AllocateUninitializedArray<float>(bytes.Length / sizeof(float));
        if (BitConverter.IsLittleEndian)
        {
            bytes.CopyTo(MemoryMarshal.AsBytes(values.AsSpan()));
        }
        else
        {
            for (int i = 0; i < values.Length; i++)
                values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes[(i * 4)..]);
        }
        return values;
    }

    // ---------------------------------------------------------------- content checks (shared by writer and reader)

    private static void CheckStep(long step)
    {
        if (step < 0)
            throw new CheckpointException(CheckpointErrorKind.Invalid, $"step {step} is negative");
    }

    private static ParameterLayout ValidateModel(ModelDescription model)
    {
        if (!Enum.IsDefined(model.Cell))
            throw new CheckpointException(CheckpointErrorKind.Invalid, $"model: unknown cell kind {(int)model.Cell}");
        try
        {
            return new ParameterLayout(model);
        }
        catch (ArgumentException e)
        {
            throw new CheckpointException(CheckpointErrorKind.Invalid, $"model: {e.Message}", e);
        }
        catch (OverflowException e)
        {
            throw new CheckpointException(CheckpointErrorKind.Invalid, $"model: {model} has more parameters than one buffer can hold", e);
        }
    }

    private static void CheckVocabularyCount(int count, ModelDescription model)
    {
        if (count != model.VocabSize)
            throw new CheckpointException(
                CheckpointErrorKind.Invalid,
                $"vocabulary: {count} tokens, model {model} has vocabulary size {model.VocabSize}");
    }

    private static void ValidateSettings(TrainingSettings settings)
    {
        if (!Enum.IsDefined(settings.Optimizer.Kind))
            throw new CheckpointException(CheckpointErrorKind.Invalid, $"training settings: unknown optimizer kind {(int)settings.Optimizer.Kind}");
        if (!Enum.IsDefined(settings.Schedule.Kind))
            throw new CheckpointException(CheckpointErrorKind.Invalid, $"training settings: unknown learning-rate schedule kind {(int)settings.Schedule.Kind}");
        try
        {
            settings.Validate();
        }
        catch (ArgumentException e)
        {
            throw new CheckpointException(CheckpointErrorKind.Invalid, $"training settings: {e.Message}", e);
        }
    }

    private static void CheckParameterCount(int count, ParameterLayout layout)
    {
        if (count != layout.TotalSize)
            throw new CheckpointException(
                CheckpointErrorKind.Invalid,
                $"parameters: {count} values, model {layout.Description} needs {layout.TotalSize}");
    }

    private static void CheckFinite(ReadOnlySpan<float> parameters, ParameterLayout layout)
    {
        int index = IndexOfNonFinite(parameters);
        if (index < 0)
            return;
        foreach (var tensor in layout.Tensors)
        {
            if (index < tensor.Offset || index >= tensor.Offset + tensor.Size)
                continue;
            int local = index - tensor.Offset;
            throw new CheckpointException(
                CheckpointErrorKind.Invalid,
                string.Create(CultureInfo.InvariantCulture,
                    $"parameter {tensor.Name}[{local / tensor.Cols}, {local % tensor.Cols}] (flat index {index}) is {parameters[index]}"));
        }
        throw new CheckpointException(CheckpointErrorKind.Invalid, $"parameter at flat index {index} is not finite");
    }

    internal static int IndexOfNonFinite(ReadOnlySpan<float> values)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && values.Length >= Vector<float>.Count)
        {
            var vectors = MemoryMarshal.Cast<float, Vector<float>>(values);
            for (; i < vectors.Length; i++)
            {
                var v = vectors[i];
                // x - x is 0 for every finite x and NaN for NaN and ±infinity.
                if (!Vector.EqualsAll(v - v, Vector<float>.Zero))
                    break;
            }
            i *= Vector<float>.Count;
        }
        for (; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
                return i;
        }
        return -1;
    }

    // ---------------------------------------------------------------- listing

    /// <summary>One line for listings, e.g.
    /// "run-7 step 1200 | lstm vocab=65 embed=64 hidden=512 layers=2 dropout=0 | char tokens | adamw lr=0.002 constant | seed=7 seq=128 batch=32/4 clip=1 | 1,234 params + 2,468 state, 0.0 MB | loss 1.2346 | created 2025-11-28 08:04:05Z".</summary>
    public static string Describe(CheckpointHeader header)
    {
        ArgumentNullException.ThrowIfNull(header);
        var s = header.Settings;
        var o = s.Optimizer;
        var ic = CultureInfo.InvariantCulture;
        var line = new StringBuilder();
        line.Append(ic, $"{CheckpointCompatibility.Escape(header.RunId)} step {header.Step} | {header.Model} | {header.Vocabulary.Kind.ToString().ToLowerInvariant()} tokens");
        line.Append(ic, $" | {o.Kind.ToString().ToLowerInvariant()} lr={o.LearningRate}");
        if (o.WeightDecay != 0f)
            line.Append(ic, $" wd={o.WeightDecay}");
        line.Append(' ').Append(DescribeSchedule(s.Schedule));
        line.Append(ic, $" | seed={s.Seed} seq={s.SeqLen} batch={s.Batch}/{s.MicroBatches} clip={s.ClipNorm}");
        line.Append(ic, $" | {header.ParameterCount:N0} params + {header.OptimizerStateCount:N0} state, {header.FileLength / 1e6:0.0} MB");
        if (header.Metadata.LastTrainLoss is float loss)
            line.Append(ic, $" | loss {loss:0.0000}");
        if (header.Metadata.CreatedAtUnixMs is long ms)
        {
            if (ms >= -62135596800000L && ms <= 253402300799999L)
                line.Append(ic, $" | created {DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime:yyyy-MM-dd HH:mm:ss}Z");
            else
                line.Append(ic, $" | created {ms} ms");
        }
        return line.ToString();
    }

    private static string DescribeSchedule(LrSchedule l) => l.Kind switch
    {
        LrScheduleKind.Constant => "constant",
        LrScheduleKind.StepDecay => string.Create(CultureInfo.InvariantCulture, $"step-decay x{l.DecayFactor} every {l.DecaySteps}"),
        LrScheduleKind.WarmupCosine => string.Create(CultureInfo.InvariantCulture, $"warmup {l.WarmupSteps} cosine {l.DecaySteps} min {l.MinLrFraction}"),
        _ => $"schedule {(int)l.Kind}",
    };

    private static string ShowBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
            return "nothing";
        var text = new StringBuilder(bytes.Length);
        foreach (byte b in bytes)
            text.Append(b is >= 0x20 and < 0x7F ? (char)b : '.');
        return $"{Convert.ToHexString(bytes)} (\"{text}\")";
    }
}
