using System.Buffers.Binary;
using RnnCluster.Core.Checkpoints;
using RnnCluster.Core.Model;
using RnnCluster.Core.Optim;
using RnnCluster.Core.Text;
using static RnnCluster.Core.Tests.Checkpoints.CheckpointSamples;

namespace RnnCluster.Core.Tests.Checkpoints;

public class CheckpointCorruptionTests
{
    private static CheckpointException Load(byte[] bytes, CheckpointErrorKind kind)
    {
        var e = Assert.Throws<CheckpointException>(() => CheckpointFormat.Deserialize(bytes));
        Assert.True(kind == e.Kind, $"expected {kind}, got {e.Kind}: {e.Message}");
        return e;
    }

    private static string ChecksumMessage(byte[] corrupt) =>
        $"checksum mismatch: stored {StoredChecksum(corrupt):x16} computed {XxHash64.Hash(corrupt.AsSpan(0, corrupt.Length - 8)):x16}, the file is corrupt";

    public static TheoryData<string> SectionsAfterTheVersion() =>
        new(Sections(Make()).Select(s => s.Name).Where(n => n is not ("magic" or "format version")));

    [Theory]
    [MemberData(nameof(SectionsAfterTheVersion))]
    public void A_flipped_byte_in_any_section_is_a_checksum_mismatch(string section)
    {
        var c = Make(CellKind.Gru, OptimizerKind.AdamW, TokenizerKind.Word);
        var (_, offset, length) = Section(c, section);
        foreach (int at in new[] { offset, offset + length / 2, offset + length - 1 })
        {
            byte[] bytes = CheckpointFormat.Serialize(c);
            bytes[at] ^= 0x10;
            var e = Load(bytes, CheckpointErrorKind.ChecksumMismatch);
            if (section == "total length")
                Assert.StartsWith(ChecksumMessage(bytes) + " (its total-length field says ", e.Message);
            else
                Assert.Equal(ChecksumMessage(bytes), e.Message);
        }
    }

    [Fact]
    public void Every_single_byte_flip_is_detected_with_the_right_error()
    {
        var c = Make();
        byte[] original = CheckpointFormat.Serialize(c);
        foreach (byte mask in new byte[] { 0x01, 0x80, 0xFF })
        {
            for (int at = 0; at < original.Length; at++)
            {
                byte[] bytes = (byte[])original.Clone();
                bytes[at] ^= mask;
                var e = Assert.Throws<CheckpointException>(() => CheckpointFormat.Deserialize(bytes));
                var expected = at switch
                {
                    < 8 => CheckpointErrorKind.NotACheckpoint,
                    < 12 => CheckpointErrorKind.UnsupportedVersion,
                    _ => CheckpointErrorKind.ChecksumMismatch,
                };
                Assert.True(expected == e.Kind, $"byte {at} ^ 0x{mask:X2}: expected {expected}, got {e.Kind}: {e.Message}");
            }
        }
    }

    [Fact]
    public void Truncation_at_every_length_is_reported_as_truncation()
    {
        var c = Make();
        byte[] bytes = CheckpointFormat.Serialize(c);
        for (int length = 0; length < bytes.Length; length++)
        {
            var e = Assert.Throws<CheckpointException>(() => CheckpointFormat.Deserialize(bytes.AsSpan(0, length)));
            Assert.True(e.Kind == CheckpointErrorKind.Truncated, $"length {length}: {e.Kind}: {e.Message}");
            Assert.StartsWith("truncated checkpoint: expected ", e.Message);
        }
    }

    [Fact]
    public void Truncation_names_the_section_and_the_bytes_it_expected()
    {
        var c = Make();
        byte[] bytes = CheckpointFormat.Serialize(c);
        int total = bytes.Length;
        string Message(int length) => Load(bytes[..length], CheckpointErrorKind.Truncated).Message;

        Assert.Equal("truncated checkpoint: expected 8 bytes of magic at offset 0, but only 0 remain (the file is empty)", Message(0));
        Assert.Equal("truncated checkpoint: expected 8 bytes of magic at offset 0, but only 5 remain (the file has 5 bytes)", Message(5));
        Assert.Equal("truncated checkpoint: expected 4 bytes of format version at offset 8, but only 2 remain (the file has 10 bytes)", Message(10));
        Assert.Equal("truncated checkpoint: expected 8 bytes of total length at offset 12, but only 3 remain (the file has 15 bytes)", Message(15));
        Assert.Equal($"truncated checkpoint: expected 4 bytes of header length at offset 20, but only 1 remain (the file has 21 bytes, its header declares {total})", Message(21));

        var runId = Section(c, "run id"); // "run-α-7" is 8 bytes of UTF-8
        Assert.Equal($"truncated checkpoint: expected 4 bytes of run id length at offset {runId.Offset}, but only 2 remain (the file has {runId.Offset + 2} bytes, its header declares {total})", Message(runId.Offset + 2));
        Assert.Equal($"truncated checkpoint: expected 8 bytes of run id at offset {runId.Offset + 4}, but only 3 remain (the file has {runId.Offset + 7} bytes, its header declares {total})", Message(runId.Offset + 7));

        var model = Section(c, "model");
        Assert.Equal($"truncated checkpoint: expected 24 bytes of model description at offset {model.Offset}, but only 10 remain (the file has {model.Offset + 10} bytes, its header declares {total})", Message(model.Offset + 10));

        var token = Section(c, "vocabulary token 6"); // 😀: 4 bytes
        Assert.Equal($"truncated checkpoint: expected 4 bytes of vocabulary token 6 at offset {token.Offset + 4}, but only 1 remain (the file has {token.Offset + 5} bytes, its header declares {total})", Message(token.Offset + 5));

        var settings = Section(c, "training settings");
        Assert.Equal($"truncated checkpoint: expected 76 bytes of training settings at offset {settings.Offset}, but only 75 remain (the file has {settings.Offset + 75} bytes, its header declares {total})", Message(settings.Offset + 75));

        var parameters = Section(c, "parameters");
        Assert.Equal($"truncated checkpoint: expected {parameters.Length} bytes of parameters ({c.Parameters.Length} float32 values) at offset {parameters.Offset}, but only 100 remain (the file has {parameters.Offset + 100} bytes, its header declares {total})", Message(parameters.Offset + 100));
        Assert.Equal($"truncated checkpoint: expected {parameters.Length} bytes of parameters ({c.Parameters.Length} float32 values) at offset {parameters.Offset}, but only 0 remain (the file has {parameters.Offset} bytes, its header declares {total})", Message(parameters.Offset));

        var state = Section(c, "optimizer state");
        Assert.Equal($"truncated checkpoint: expected {state.Length} bytes of optimizer state ({c.OptimizerState.Length} float32 values) at offset {state.Offset}, but only 4 remain (the file has {state.Offset + 4} bytes, its header declares {total})", Message(state.Offset + 4));

        Assert.Equal($"truncated checkpoint: expected 8 bytes of checksum at offset {total - 8}, but only 7 remain (the file has {total - 1} bytes, its header declares {total})", Message(total - 1));
    }

    [Fact]
    public void Truncated_streams_give_the_same_messages()
    {
        byte[] bytes = CheckpointFormat.Serialize(Make());
        foreach (int length in new[] { 0, 7, 23, 60, bytes.Length / 2, bytes.Length - 1 })
        {
            string expected = Load(bytes[..length], CheckpointErrorKind.Truncated).Message;
            var seekable = Assert.Throws<CheckpointException>(() => CheckpointFormat.ReadFrom(new MemoryStream(bytes[..length])));
            var forwardOnly = Assert.Throws<CheckpointException>(() => CheckpointFormat.ReadFrom(new ForwardOnlyStream(bytes[..length])));
            Assert.Equal(expected, seekable.Message);
            Assert.Equal(expected, forwardOnly.Message);
        }
    }

    [Fact]
    public void Streams_report_every_kind_of_damage_exactly_like_Deserialize()
    {
        var c = Make(CellKind.Gru, OptimizerKind.Adam, TokenizerKind.Word);
        byte[] valid = CheckpointFormat.Serialize(c);
        var damaged = new List<byte[]>();
        foreach (var (_, offset, length) in Sections(c))
        {
            byte[] flipped = (byte[])valid.Clone();
            flipped[offset + length / 2] ^= 0x04;
            damaged.Add(flipped);
        }
        damaged.Add(valid[..(valid.Length / 3)]);
        damaged.Add(valid[..(valid.Length - 1)]);
        damaged.Add([.. valid, 0]);
        byte[] badCell = (byte[])valid.Clone();
        BinaryPrimitives.WriteInt32LittleEndian(badCell.AsSpan(Section(c, "model").Offset), 9);
        damaged.Add(Resign(badCell));
        damaged.Add(CheckpointFormat.Serialize(c with { Parameters = [.. c.Parameters[..^1], float.PositiveInfinity] }, validate: false));

        string path = Path.Combine(Path.GetTempPath(), $"rnn-ckpt-{Guid.NewGuid():N}.ckpt");
        try
        {
            foreach (byte[] bytes in damaged)
            {
                var expected = Assert.Throws<CheckpointException>(() => CheckpointFormat.Deserialize(bytes));
                var seekable = Assert.Throws<CheckpointException>(() => CheckpointFormat.ReadFrom(new MemoryStream(bytes)));
                var forwardOnly = Assert.Throws<CheckpointException>(() => CheckpointFormat.ReadFrom(new ForwardOnlyStream(bytes)));
                File.WriteAllBytes(path, bytes);
                var file = Assert.Throws<CheckpointException>(() => CheckpointFormat.LoadFile(path));
                Assert.Equal((expected.Kind, expected.Message), (seekable.Kind, seekable.Message));
                Assert.Equal((expected.Kind, expected.Message), (forwardOnly.Kind, forwardOnly.Message));
                Assert.Equal((expected.Kind, $"{path}: {expected.Message}"), (file.Kind, file.Message));
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Other_files_are_not_checkpoints()
    {
        byte[] png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52];
        var e = Load(png, CheckpointErrorKind.NotACheckpoint);
        Assert.Equal("not an RnnCluster checkpoint: it starts with 89504E470D0A1A0A (\".PNG....\"), a checkpoint starts with 524E4E434B505400 (\"RNNCKPT.\")", e.Message);

        Assert.StartsWith("not an RnnCluster checkpoint: it starts with 616263 (\"abc\")", Load("abc"u8.ToArray(), CheckpointErrorKind.NotACheckpoint).Message);
        Assert.StartsWith("not an RnnCluster checkpoint", Load("step,loss\n1,4.17\n2,3.9\n"u8.ToArray(), CheckpointErrorKind.NotACheckpoint).Message);

        byte[] bytes = CheckpointFormat.Serialize(Make());
        bytes[7] = (byte)'2';
        Assert.StartsWith("not an RnnCluster checkpoint", Load(bytes, CheckpointErrorKind.NotACheckpoint).Message);
        Assert.Throws<CheckpointException>(() => CheckpointFormat.ReadHeader(bytes));
    }

    [Fact]
    public void A_future_format_version_is_named()
    {
        byte[] bytes = CheckpointFormat.Serialize(Make());
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8), 2);
        Assert.Equal("format version 2, this build reads 1", Load(bytes, CheckpointErrorKind.UnsupportedVersion).Message);

        // Checked before anything that version 2 might have changed: the rest may be anything.
        byte[] future = [.. "RNNCKPT\0"u8, 7, 0, 0, 0, 0xAB];
        Assert.Equal("format version 7, this build reads 1", Load(future, CheckpointErrorKind.UnsupportedVersion).Message);
        var header = Assert.Throws<CheckpointException>(() => CheckpointFormat.ReadHeader(future));
        Assert.Equal(CheckpointErrorKind.UnsupportedVersion, header.Kind);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(32)]
    [InlineData(5000)]
    public void Trailing_bytes_are_rejected(int extra)
    {
        byte[] valid = CheckpointFormat.Serialize(Make());
        byte[] bytes = [.. valid, .. Enumerable.Range(0, extra).Select(i => (byte)(i * 37 + 1))];
        var e = Load(bytes, CheckpointErrorKind.TrailingBytes);
        Assert.Equal($"{extra} trailing bytes after the end of the checkpoint at offset {valid.Length} (the file has {valid.Length + extra} bytes)", e.Message);

        // A second checkpoint appended is still trailing garbage.
        Load([.. valid, .. valid], CheckpointErrorKind.TrailingBytes);
    }

    [Fact]
    public void A_damaged_length_field_is_corruption_not_truncation()
    {
        byte[] bytes = CheckpointFormat.Serialize(Make());
        foreach (ulong declared in new[] { (ulong)bytes.Length + 1000, (ulong)bytes.Length - 4, 10UL, ulong.MaxValue })
        {
            byte[] damaged = (byte[])bytes.Clone();
            BinaryPrimitives.WriteUInt64LittleEndian(damaged.AsSpan(12), declared);
            var e = Load(damaged, CheckpointErrorKind.ChecksumMismatch);
            Assert.Equal($"{ChecksumMessage(damaged)} (its total-length field says {declared} bytes, the file has {bytes.Length})", e.Message);
        }
    }

    // ------------------------------------------------------------- intact checksum, invalid content

    [Fact]
    public void Another_layout_version_is_named()
    {
        var c = Make();
        byte[] bytes = CheckpointFormat.Serialize(c);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(Section(c, "layout version").Offset), 3);
        var e = Load(Resign(bytes), CheckpointErrorKind.UnsupportedLayout);
        Assert.Equal("parameter layout version 3, this build reads 1 and 2: the parameter order differs", e.Message);
    }

    [Theory]
    [InlineData("model", 0, 7, "model: unknown cell kind 7")]
    [InlineData("model", 12, 0, "model: Embed, hidden and layers must be positive (got 3, 0, 2).")]
    [InlineData("vocabulary header", 0, 5, "vocabulary: unknown tokenizer kind 5")]
    [InlineData("vocabulary header", 4, 9, "vocabulary: Unknown-token id 9 is outside the vocabulary of 9. (Parameter 'unknownId')")]
    [InlineData("training settings", 20, 9, "training settings: unknown optimizer kind 9")]
    [InlineData("training settings", 52, 3, "training settings: unknown learning-rate schedule kind 3")]
    [InlineData("training settings", 16, 5, "training settings: The batch (12) must split evenly into 5 micro-batches.")]
    [InlineData("model", 16, 1_000_000_000, "model: 1000000000 layers cannot fit in a checkpoint of {L} bytes")]
    [InlineData("metadata", 0, 4, "metadata: unknown flags 0x00000004")]
    [InlineData("metadata", 0, 1, "metadata: a value is stored that flags 0x00000001 mark as absent")]
    [InlineData("step", 4, -1, "step -4294966062 is negative")]
    public void Invalid_fields_with_an_intact_checksum_are_named(string section, int fieldOffset, int value, string message)
    {
        var c = Make();
        byte[] bytes = CheckpointFormat.Serialize(c);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(Section(c, section).Offset + fieldOffset), value);
        var e = Load(Resign(bytes), CheckpointErrorKind.Invalid);
        Assert.Equal(message.Replace("{L}", bytes.Length.ToString()), e.Message);
    }

    [Fact]
    public void A_parameter_count_that_does_not_match_the_layout_is_named()
    {
        var c = Make();
        int needed = c.Parameters.Length;
        byte[] bytes = CheckpointFormat.Serialize(c with { Parameters = new float[needed - 66] }, validate: false);
        var e = Load(bytes, CheckpointErrorKind.Invalid);
        Assert.Equal($"parameters: {needed - 66} values, model lstm vocab=9 embed=3 hidden=4 layers=2 dropout=0.25 needs {needed}", e.Message);
    }

    [Fact]
    public void A_vocabulary_of_another_size_than_the_model_is_named()
    {
        var c = Make();
        var bigger = new Vocabulary(TokenizerKind.Char, [.. c.Vocabulary.Tokens, "z"], -1);
        var e = Load(CheckpointFormat.Serialize(c with { Vocabulary = bigger }, validate: false), CheckpointErrorKind.Invalid);
        Assert.Equal("vocabulary: 10 tokens, model lstm vocab=9 embed=3 hidden=4 layers=2 dropout=0.25 has vocabulary size 9", e.Message);
    }

    [Fact]
    public void Non_finite_parameters_name_the_tensor_and_index()
    {
        var c = Make(CellKind.Gru);
        var layout = new ParameterLayout(c.Model);
        var cases = new (string Tensor, int Row, int Col, float Value, string Shown)[]
        {
            ("embedding", 0, 0, float.NaN, "NaN"),
            ("l0.bh", 0, 11, float.PositiveInfinity, "Infinity"),
            ("l1.wh", 3, 2, float.NegativeInfinity, "-Infinity"),
            ("out.b", 0, 8, BitConverter.Int32BitsToSingle(unchecked((int)0xFFC00001)), "NaN"),
        };
        foreach (var (tensor, row, col, value, shown) in cases)
        {
            var spec = layout[tensor];
            int index = spec.Offset + row * spec.Cols + col;
            var parameters = (float[])c.Parameters.Clone();
            parameters[index] = value;
            // A later non-finite value does not hide the first one.
            parameters[^1] = float.NaN;
            var e = Load(CheckpointFormat.Serialize(c with { Parameters = parameters }, validate: false), CheckpointErrorKind.Invalid);
            Assert.Equal($"parameter {tensor}[{row}, {col}] (flat index {index}) is {shown}", e.Message);
        }
    }

    [Fact]
    public void Duplicate_or_undecodable_tokens_are_named()
    {
        var c = Make();
        byte[] bytes = CheckpointFormat.Serialize(c);
        var b = Section(c, "vocabulary token 1");
        bytes[b.Offset + 4] = (byte)'a';
        Assert.Equal("vocabulary: Token 1 ('a') appears twice. (Parameter 'tokens')", Load(Resign(bytes), CheckpointErrorKind.Invalid).Message);

        bytes = CheckpointFormat.Serialize(c);
        var chinese = Section(c, "vocabulary token 4");
        bytes[chinese.Offset + 5] = 0xFF;
        Assert.Equal($"vocabulary token 4 at offset {chinese.Offset + 4} is not valid UTF-8", Load(Resign(bytes), CheckpointErrorKind.Invalid).Message);
    }

    [Fact]
    public void A_header_length_that_disagrees_with_its_fields_is_malformed()
    {
        var c = Make();
        var sizes = Section(c, "array sizes");
        byte[] bytes = CheckpointFormat.Serialize(c);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(20), (uint)HeaderLength(bytes) - 4);
        var e = Load(Resign(bytes), CheckpointErrorKind.Invalid);
        Assert.Equal($"malformed header: array sizes needs 8 bytes at offset {sizes.Offset}, but the header's declared length ends 4 bytes later", e.Message);

        bytes = CheckpointFormat.Serialize(c);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(sizes.Offset + 4), c.OptimizerState.Length - 1);
        e = Load(Resign(bytes), CheckpointErrorKind.Invalid);
        Assert.Equal($"inconsistent lengths: {c.Parameters.Length} parameters and {c.OptimizerState.Length - 1} optimizer state values after a {HeaderLength(bytes)}-byte header make {bytes.Length - 4} bytes, the total-length field says {bytes.Length}", e.Message);
    }

    [Fact]
    public void Random_garbage_after_a_valid_prefix_never_crashes()
    {
        byte[] valid = CheckpointFormat.Serialize(Make());
        var random = new Memory.SplitMix64(99);
        for (int trial = 0; trial < 300; trial++)
        {
            int length = random.NextInt(valid.Length + 64);
            byte[] bytes = new byte[length];
            for (int i = 0; i < length; i++)
                bytes[i] = (byte)random.NextUInt64();
            valid.AsSpan(0, Math.Min(length, 12 + random.NextInt(20))).CopyTo(bytes);
            var e = Record.Exception(() => CheckpointFormat.Deserialize(bytes));
            Assert.IsType<CheckpointException>(e);
            e = Record.Exception(() => CheckpointFormat.ReadHeader(bytes));
            Assert.IsType<CheckpointException>(e);
        }
    }
}
