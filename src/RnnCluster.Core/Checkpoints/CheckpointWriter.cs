using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using RnnCluster.Core.Model;
using static RnnCluster.Core.Checkpoints.CheckpointFormat;

namespace RnnCluster.Core.Checkpoints;

/// <summary>
/// Writes the format <see cref="CheckpointFormat"/> describes. Validates with the reader's own
/// content checks first, so that nothing is written that a reader would reject.
/// </summary>
internal static class CheckpointWriter
{
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

    public static void WriteRawParameters(Stream stream, ReadOnlySpan<float> parameters)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var unused = XxHash64.Create();
        WriteFloats(stream, parameters, ref unused, updateHash: false);
    }

    public static byte[] Serialize(Checkpoint checkpoint, bool validate)
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
            CheckpointContentChecks.CheckStep(c.Step);
            var layout = CheckpointContentChecks.ValidateModel(c.Model);
            CheckpointContentChecks.CheckVocabularyCount(c.Vocabulary.Count, c.Model);
            CheckpointContentChecks.ValidateSettings(c.Settings);
            CheckpointContentChecks.CheckParameterCount(c.Parameters.Length, layout);
            CheckpointContentChecks.CheckFinite(c.Parameters, layout);
        }

        var w = new ArrayBufferWriter<byte>(1024 + 8 * c.Vocabulary.Count);
        w.GetSpan(PrefixSize)[..PrefixSize].Clear();
        w.Advance(PrefixSize);

        WriteInt32(w, c.Model.StoredLayoutVersion);
        WriteString(w, c.RunId, "run id");
        WriteInt64(w, c.Step);

        var m = c.Model;
        WriteInt32(w, (int)m.Cell);
        WriteInt32(w, m.VocabSize);
        WriteInt32(w, m.Embed);
        WriteInt32(w, m.Hidden);
        WriteInt32(w, m.Layers);
        WriteSingle(w, m.Dropout);
        if (m.StoredLayoutVersion == 2)
        {
            WriteInt32(w, m.Softmax.Clusters);
            foreach (int cutoff in m.Softmax.Cutoffs)
                WriteInt32(w, cutoff);
        }

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

    // Signed values and floats are stored as their two's-complement and IEEE-754 bit patterns,
    // so two unsigned writers serve every field.
    private static void WriteInt32(ArrayBufferWriter<byte> w, int value) => WriteUInt32(w, unchecked((uint)value));

    private static void WriteInt64(ArrayBufferWriter<byte> w, long value) => WriteUInt64(w, unchecked((ulong)value));

    private static void WriteSingle(ArrayBufferWriter<byte> w, float value) => WriteUInt32(w, BitConverter.SingleToUInt32Bits(value));

    private static void WriteUInt32(ArrayBufferWriter<byte> w, uint value)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(w.GetSpan(4), value);
        w.Advance(4);
    }

    private static void WriteUInt64(ArrayBufferWriter<byte> w, ulong value)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(w.GetSpan(8), value);
        w.Advance(8);
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
}
