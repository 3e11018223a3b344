using System.Buffers.Binary;
using RnnCluster.Core.Checkpoints;
using RnnCluster.Core.Model;
using RnnCluster.Core.Optim;
using RnnCluster.Core.Text;
using static RnnCluster.Core.Tests.Checkpoints.CheckpointSamples;

namespace RnnCluster.Core.Tests.Checkpoints;

public class CheckpointHeaderAndExportTests
{
    private static void AssertHeaderOf(Checkpoint c, CheckpointHeader h, long fileLength)
    {
        Assert.Equal(c.RunId, h.RunId);
        Assert.Equal(c.Step, h.Step);
        Assert.Equal(c.Model, h.Model);
        Assert.Equal(c.Vocabulary, h.Vocabulary);
        Assert.Equal(c.Settings, h.Settings);
        Assert.Equal(c.Metadata, h.Metadata);
        Assert.Equal(c.Parameters.Length, h.ParameterCount);
        Assert.Equal(c.OptimizerState.Length, h.OptimizerStateCount);
        Assert.Equal(fileLength, h.FileLength);
    }

    [Fact]
    public void The_header_reads_without_the_arrays()
    {
        var c = Make(CellKind.Gru, OptimizerKind.RmsProp, TokenizerKind.Word);
        byte[] bytes = CheckpointFormat.Serialize(c);
        int headerEnd = ParametersOffset(bytes);

        AssertHeaderOf(c, CheckpointFormat.ReadHeader(bytes), bytes.Length);
        // Only the bytes up to the end of the header are needed.
        AssertHeaderOf(c, CheckpointFormat.ReadHeader(bytes.AsSpan(0, headerEnd)), bytes.Length);

        // From a stream: reads exactly prefix + header and leaves the arrays unread.
        using var seekable = new MemoryStream(bytes);
        AssertHeaderOf(c, CheckpointFormat.ReadHeader(seekable), bytes.Length);
        Assert.Equal(headerEnd, seekable.Position);

        var forwardOnly = new ForwardOnlyStream(bytes);
        AssertHeaderOf(c, CheckpointFormat.ReadHeader(forwardOnly), bytes.Length);
        Assert.Equal(headerEnd, forwardOnly.BytesRead);

        // The arrays are not even present here.
        AssertHeaderOf(c, CheckpointFormat.ReadHeader(new ForwardOnlyStream(bytes[..headerEnd])), bytes.Length);
    }

    [Fact]
    public void A_header_read_still_reports_broken_files()
    {
        var c = Make();
        byte[] bytes = CheckpointFormat.Serialize(c);
        int headerEnd = ParametersOffset(bytes);

        var e = Assert.Throws<CheckpointException>(() => CheckpointFormat.ReadHeader(bytes.AsSpan(0, headerEnd - 1)));
        Assert.Equal(CheckpointErrorKind.Truncated, e.Kind);
        Assert.Equal($"truncated checkpoint: expected 8 bytes of array sizes at offset {headerEnd - 8}, but only 7 remain (the file has {headerEnd - 1} bytes, its header declares {bytes.Length})", e.Message);

        // A seekable file that is shorter or longer than declared is flagged without reading the arrays.
        e = Assert.Throws<CheckpointException>(() => CheckpointFormat.ReadHeader(new MemoryStream(bytes[..(headerEnd + 10)])));
        Assert.Equal(CheckpointErrorKind.Truncated, e.Kind);
        Assert.Equal($"truncated checkpoint: expected {4 * c.Parameters.Length} bytes of parameters ({c.Parameters.Length} float32 values) at offset {headerEnd}, but only 10 remain (the file has {headerEnd + 10} bytes, its header declares {bytes.Length})", e.Message);

        e = Assert.Throws<CheckpointException>(() => CheckpointFormat.ReadHeader(new MemoryStream(bytes[..(headerEnd - 3)])));
        Assert.Equal(CheckpointErrorKind.Truncated, e.Kind);
        Assert.Equal($"truncated checkpoint: the file has {headerEnd - 3} bytes, its header alone needs {headerEnd} (the header declares {bytes.Length} in total)", e.Message);

        e = Assert.Throws<CheckpointException>(() => CheckpointFormat.ReadHeader(new MemoryStream([.. bytes, 1, 2, 3])));
        Assert.Equal(CheckpointErrorKind.TrailingBytes, e.Kind);
        Assert.Equal($"3 trailing bytes: the file has {bytes.Length + 3} bytes, its header declares {bytes.Length}", e.Message);

        // The header's own fields are validated; the checksum is not (it covers the arrays).
        byte[] badCell = (byte[])bytes.Clone();
        BinaryPrimitives.WriteInt32LittleEndian(badCell.AsSpan(Section(c, "model").Offset), 5);
        e = Assert.Throws<CheckpointException>(() => CheckpointFormat.ReadHeader(badCell));
        Assert.Equal("model: unknown cell kind 5", e.Message);
        byte[] badParameter = (byte[])bytes.Clone();
        badParameter[headerEnd + 3] ^= 0x40;
        Assert.Equal(c.RunId, CheckpointFormat.ReadHeader(badParameter).RunId);
        Assert.Equal(CheckpointErrorKind.ChecksumMismatch, Assert.Throws<CheckpointException>(() => CheckpointFormat.Deserialize(badParameter)).Kind);
    }

    [Fact]
    public void Describe_is_one_line_with_the_essentials()
    {
        var c = Make();
        byte[] bytes = CheckpointFormat.Serialize(c);
        var header = CheckpointFormat.ReadHeader(bytes);

        Assert.Equal(
            "run-α-7 step 1234 | lstm vocab=9 embed=3 hidden=4 layers=2 dropout=0.25 | char tokens"
            + " | adam lr=0.0025 wd=0.01 warmup 10 cosine 500 min 0.05"
            + $" | seed={Seed} seq=17 batch=12/3 clip=1.5"
            + $" | 344 params + 688 state, 0.0 MB | loss 1.2345 | created 2025-11-28 08:00:00Z",
            CheckpointFormat.Describe(header));
        Assert.Equal(344, c.Parameters.Length);

        var plain = Make(optimizer: OptimizerKind.Sgd, momentum: 0f, tokenizer: TokenizerKind.Word, metadata: CheckpointMetadata.None) with
        {
            RunId = "two\nlines",
            Settings = Settings(OptimizerKind.Sgd, 0f) with { Optimizer = Settings().Optimizer with { Kind = OptimizerKind.Sgd, WeightDecay = 0f, Momentum = 0f }, Schedule = new LrSchedule() },
        };
        Assert.Equal(
            "two\\nlines step 1234 | lstm vocab=9 embed=3 hidden=4 layers=2 dropout=0.25 | word tokens | sgd lr=0.0025 constant"
            + $" | seed={Seed} seq=17 batch=12/3 clip=1.5 | 344 params + 0 state, 0.0 MB",
            CheckpointFormat.Describe(CheckpointFormat.ReadHeader(CheckpointFormat.Serialize(plain))));
    }

    [Fact]
    public void Raw_export_is_four_bytes_per_parameter_little_endian_in_parameter_order()
    {
        var c = Make(CellKind.Gru);
        c.Parameters[0] = -0f;
        c.Parameters[1] = 1f;
        c.Parameters[2] = float.Epsilon;
        using var stream = new MemoryStream();
        CheckpointFormat.WriteRawParameters(stream, c.Parameters);
        byte[] raw = stream.ToArray();

        Assert.Equal(4 * c.Parameters.Length, raw.Length);
        Assert.Equal(new byte[] { 0, 0, 0, 0x80, 0, 0, 0x80, 0x3F, 1, 0, 0, 0 }, raw[..12]);
        for (int i = 0; i < c.Parameters.Length; i++)
            Assert.Equal(BitConverter.SingleToInt32Bits(c.Parameters[i]), BinaryPrimitives.ReadInt32LittleEndian(raw.AsSpan(4 * i)));

        // Identical to the checkpoint's parameter section, so exports of two runs compare byte for byte.
        byte[] file = CheckpointFormat.Serialize(c);
        Assert.Equal(file.AsSpan(ParametersOffset(file), raw.Length).ToArray(), raw);

        using var empty = new MemoryStream();
        CheckpointFormat.WriteRawParameters(empty, ReadOnlySpan<float>.Empty);
        Assert.Equal(0, empty.Length);
    }
}
