using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using RnnCluster.Core.Checkpoints;
using RnnCluster.Core.Memory;
using RnnCluster.Core.Model;
using RnnCluster.Core.Optim;
using RnnCluster.Core.Text;
using static RnnCluster.Core.Tests.Checkpoints.CheckpointSamples;

namespace RnnCluster.Core.Tests.Checkpoints;

public class CheckpointRoundTripTests
{
    public static TheoryData<CellKind, OptimizerKind, TokenizerKind> AllKinds()
    {
        var data = new TheoryData<CellKind, OptimizerKind, TokenizerKind>();
        foreach (var cell in Enum.GetValues<CellKind>())
            foreach (var optimizer in Enum.GetValues<OptimizerKind>())
                foreach (var tokenizer in Enum.GetValues<TokenizerKind>())
                    data.Add(cell, optimizer, tokenizer);
        return data;
    }

    internal static void AssertSame(Checkpoint expected, Checkpoint actual)
    {
        Assert.Equal(expected.RunId, actual.RunId);
        Assert.Equal(expected.Step, actual.Step);
        Assert.Equal(expected.Model, actual.Model);
        Assert.Equal(expected.Vocabulary.Kind, actual.Vocabulary.Kind);
        Assert.Equal(expected.Vocabulary.UnknownId, actual.Vocabulary.UnknownId);
        Assert.Equal(expected.Vocabulary.Tokens, actual.Vocabulary.Tokens);
        Assert.Equal(expected.Settings, actual.Settings);
        Assert.Equal(expected.Settings.Optimizer, actual.Settings.Optimizer);
        Assert.Equal(expected.Settings.Schedule, actual.Settings.Schedule);
        Assert.Equal(expected.Metadata, actual.Metadata);
        Assert.Equal(Bits(expected.Parameters), Bits(actual.Parameters));
        Assert.Equal(Bits(expected.OptimizerState), Bits(actual.OptimizerState));
    }

    [Theory]
    [MemberData(nameof(AllKinds))]
    public void Round_trip_preserves_every_field(CellKind cell, OptimizerKind optimizer, TokenizerKind tokenizer)
    {
        var original = Make(cell, optimizer, tokenizer);
        byte[] bytes = CheckpointFormat.Serialize(original);
        var loaded = CheckpointFormat.Deserialize(bytes);

        AssertSame(original, loaded);
        Assert.Equal(new ParameterLayout(original.Model).TotalSize, loaded.Parameters.Length);
        Assert.Equal(StateLength(original.Settings.Optimizer, loaded.Parameters.Length), loaded.OptimizerState.Length);
        // Serialising what was read gives the same bytes: nothing is lost or normalised.
        Assert.Equal(bytes, CheckpointFormat.Serialize(loaded));
    }

    [Fact]
    public void Every_settings_field_survives_with_distinct_values()
    {
        var settings = new TrainingSettings(
            ulong.MaxValue - 5, SeqLen: 257, Batch: 96, MicroBatches: 8,
            new OptimizerSettings(OptimizerKind.RmsProp, 3e-4f, Beta1: 0.11f, Beta2: 0.22f, Epsilon: 3.3e-9f, WeightDecay: 0.44f, Momentum: 0.55f, Alpha: 0.66f),
            new LrSchedule(LrScheduleKind.StepDecay, WarmupSteps: 77, DecaySteps: 888, DecayFactor: 0.999f, MinLrFraction: 0.001f),
            ClipNorm: 0.125f);
        var original = Make(optimizer: OptimizerKind.RmsProp) with { Settings = settings };
        var loaded = CheckpointFormat.Deserialize(CheckpointFormat.Serialize(original));

        var s = loaded.Settings;
        Assert.Equal(ulong.MaxValue - 5, s.Seed);
        Assert.Equal(257, s.SeqLen);
        Assert.Equal(96, s.Batch);
        Assert.Equal(8, s.MicroBatches);
        Assert.Equal(OptimizerKind.RmsProp, s.Optimizer.Kind);
        Assert.Equal(3e-4f, s.Optimizer.LearningRate);
        Assert.Equal(0.11f, s.Optimizer.Beta1);
        Assert.Equal(0.22f, s.Optimizer.Beta2);
        Assert.Equal(3.3e-9f, s.Optimizer.Epsilon);
        Assert.Equal(0.44f, s.Optimizer.WeightDecay);
        Assert.Equal(0.55f, s.Optimizer.Momentum);
        Assert.Equal(0.66f, s.Optimizer.Alpha);
        Assert.Equal(LrScheduleKind.StepDecay, s.Schedule.Kind);
        Assert.Equal(77, s.Schedule.WarmupSteps);
        Assert.Equal(888, s.Schedule.DecaySteps);
        Assert.Equal(0.999f, s.Schedule.DecayFactor);
        Assert.Equal(0.001f, s.Schedule.MinLrFraction);
        Assert.Equal(0.125f, s.ClipNorm);
    }

    [Fact]
    public void Chinese_and_emoji_tokens_and_the_unknown_id_survive()
    {
        var original = Make(tokenizer: TokenizerKind.Word);
        var loaded = CheckpointFormat.Deserialize(CheckpointFormat.Serialize(original));

        Assert.Equal(TokenizerKind.Word, loaded.Vocabulary.Kind);
        Assert.Equal(0, loaded.Vocabulary.UnknownId);
        Assert.Equal("\u2047", loaded.Vocabulary.Tokens[0]);
        Assert.Equal("猫", loaded.Vocabulary.Tokens[3]);
        Assert.Equal("👍🏽", loaded.Vocabulary.Tokens[4]);
        Assert.Equal("\t\t", loaded.Vocabulary.Tokens[6]);
        Assert.Equal("🇨🇭", loaded.Vocabulary.Tokens[8]);
        Assert.True(loaded.Vocabulary.TryGetId("👍🏽", out int id));
        Assert.Equal(4, id);

        var chars = CheckpointFormat.Deserialize(CheckpointFormat.Serialize(Make(tokenizer: TokenizerKind.Char))).Vocabulary;
        Assert.Equal(-1, chars.UnknownId);
        Assert.Equal(["a", "b", " ", "\n", "中", "文", "😀", "🚀", "é"], chars.Tokens);
        Assert.Equal("RNNCKPT\0"u8.ToArray(), CheckpointFormat.Magic.ToArray());
    }

    [Fact]
    public void Gru_checkpoint_carries_the_hidden_bias_tensors()
    {
        var original = Make(CellKind.Gru);
        var layout = new ParameterLayout(original.Model);
        Assert.NotNull(layout.Layers[1].Bh);
        // 3 gates × hidden 4 = 12 per bias; two biases per layer.
        Assert.Equal(9 * 3 + (3 * 12 + 4 * 12 + 12 + 12) + (4 * 12 + 4 * 12 + 12 + 12) + 4 * 9 + 9, original.Parameters.Length);
        var bh = layout["l1.bh"];
        for (int i = 0; i < bh.Size; i++)
            original.Parameters[bh.Offset + i] = 100f + i;

        byte[] bytes = CheckpointFormat.Serialize(original);
        var loaded = CheckpointFormat.Deserialize(bytes);

        Assert.Equal(Bits(original.Parameters), Bits(loaded.Parameters));
        for (int i = 0; i < bh.Size; i++)
        {
            Assert.Equal(100f + i, loaded.Parameters[bh.Offset + i]);
            // and at its place in the file: parameters start right after the header, in layout order
            Assert.Equal(100f + i, BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(ParametersOffset(bytes) + 4 * (bh.Offset + i))));
        }
    }

    [Fact]
    public void Parameters_are_bit_exact_including_negative_zero_and_subnormals()
    {
        var original = Make();
        float[] special =
        [
            -0f, 0f, float.Epsilon, -float.Epsilon, 1e-40f, -3.5e-39f,
            BitConverter.Int32BitsToSingle(0x007FFFFF), // largest subnormal
            BitConverter.Int32BitsToSingle(unchecked((int)0x807FFFFF)),
            1.17549435e-38f, float.MaxValue, float.MinValue, 1f / 3f, 16777217f,
        ];
        special.CopyTo(original.Parameters, 5);
        // The optimizer state is opaque: even NaN payloads and infinities survive bit for bit.
        int[] stateBits = [0x7FC12345, unchecked((int)0xFFFFFFFF), 0x7F800001, 0x7F800000, unchecked((int)0xFF800000), unchecked((int)0x80000000), 1];
        for (int i = 0; i < stateBits.Length; i++)
            original.OptimizerState[10 + i] = BitConverter.Int32BitsToSingle(stateBits[i]);

        byte[] bytes = CheckpointFormat.Serialize(original);
        var loaded = CheckpointFormat.Deserialize(bytes);

        Assert.Equal(Bits(original.Parameters), Bits(loaded.Parameters));
        Assert.Equal(Bits(original.OptimizerState), Bits(loaded.OptimizerState));
        Assert.Equal(unchecked((int)0x80000000), BitConverter.SingleToInt32Bits(loaded.Parameters[5]));
        Assert.Equal(1, BitConverter.SingleToInt32Bits(loaded.Parameters[7]));
        Assert.Equal(0x7FC12345, BitConverter.SingleToInt32Bits(loaded.OptimizerState[10]));
        // little-endian on disk: -0f is 00 00 00 80
        int at = ParametersOffset(bytes) + 4 * 5;
        Assert.Equal(new byte[] { 0, 0, 0, 0x80 }, bytes[at..(at + 4)]);
    }

    [Fact]
    public void File_layout_matches_the_documented_offsets()
    {
        var c = Make();
        byte[] bytes = CheckpointFormat.Serialize(c);
        var sections = Sections(c);
        int end = sections[^1].Offset + sections[^1].Length;

        Assert.Equal(end, bytes.Length);
        Assert.Equal("RNNCKPT\0"u8.ToArray(), bytes[..8]);
        Assert.Equal(new byte[] { 1, 0, 0, 0 }, bytes[8..12]);
        Assert.Equal((ulong)bytes.Length, BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(12)));
        Assert.Equal(Section(c, "parameters").Offset, ParametersOffset(bytes));
        Assert.Equal(c.Model.StoredLayoutVersion, BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(Section(c, "layout version").Offset)));

        var runId = Section(c, "run id");
        Assert.Equal(RunId, Encoding.UTF8.GetString(bytes, runId.Offset + 4, runId.Length - 4));
        Assert.Equal(Step, BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(Section(c, "step").Offset)));
        var model = Section(c, "model");
        Assert.Equal((int)CellKind.Lstm, BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(model.Offset)));
        Assert.Equal(0.25f, BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(model.Offset + 20)));
        var token6 = Section(c, "vocabulary token 6");
        Assert.Equal(4, BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(token6.Offset)));
        Assert.Equal("😀", Encoding.UTF8.GetString(bytes, token6.Offset + 4, 4));
        var settings = Section(c, "training settings");
        Assert.Equal(Seed, BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(settings.Offset)));
        Assert.Equal(1.5f, BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(settings.Offset + 72)));
        var metadata = Section(c, "metadata");
        Assert.Equal(3u, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(metadata.Offset)));
        Assert.Equal(CreatedAt, BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(metadata.Offset + 8)));
        var sizes = Section(c, "array sizes");
        Assert.Equal(c.Parameters.Length, BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(sizes.Offset)));
        Assert.Equal(c.OptimizerState.Length, BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(sizes.Offset + 4)));

        for (int i = 0; i < c.Parameters.Length; i++)
            Assert.Equal(c.Parameters[i], BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(Section(c, "parameters").Offset + 4 * i)));
        int stateOffset = Section(c, "optimizer state").Offset;
        for (int i = 0; i < c.OptimizerState.Length; i++)
            Assert.Equal(c.OptimizerState[i], BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(stateOffset + 4 * i)));
        Assert.Equal(XxHash64.Hash(bytes.AsSpan(0, bytes.Length - 8)), StoredChecksum(bytes));
    }

    [Fact]
    public void Stream_writing_and_reading_match_the_array_form()
    {
        var c = Make(CellKind.Rnn, OptimizerKind.AdamW, TokenizerKind.Word);
        byte[] bytes = CheckpointFormat.Serialize(c);
        using var written = new MemoryStream();
        CheckpointFormat.WriteTo(written, c);
        Assert.Equal(bytes, written.ToArray());

        written.Position = 0;
        AssertSame(c, CheckpointFormat.ReadFrom(written));
        AssertSame(c, CheckpointFormat.ReadFrom(new ForwardOnlyStream(bytes)));
    }

    [Fact]
    public void Plain_sgd_has_an_empty_optimizer_state_and_metadata_may_be_absent()
    {
        var c = Make(optimizer: OptimizerKind.Sgd, momentum: 0f, metadata: CheckpointMetadata.None) with { Step = 0 };
        Assert.Empty(c.OptimizerState);
        var loaded = CheckpointFormat.Deserialize(CheckpointFormat.Serialize(c));

        Assert.Empty(loaded.OptimizerState);
        Assert.Equal(0L, loaded.Step);
        Assert.Null(loaded.Metadata.LastTrainLoss);
        Assert.Null(loaded.Metadata.CreatedAtUnixMs);
        Assert.Equal(0f, loaded.Settings.Optimizer.Momentum);

        var onlyLoss = CheckpointFormat.Deserialize(CheckpointFormat.Serialize(c with { Metadata = new CheckpointMetadata(LastTrainLoss: float.NaN) })).Metadata;
        Assert.True(float.IsNaN(onlyLoss.LastTrainLoss!.Value));
        Assert.Null(onlyLoss.CreatedAtUnixMs);
    }

    [Fact]
    public void Serialization_is_deterministic_and_metadata_touches_only_its_own_bytes_and_the_checksum()
    {
        var a = Make(metadata: new CheckpointMetadata(2.5f, 1000));
        var b = a with { Metadata = new CheckpointMetadata(0.75f, 2_000_000) };
        byte[] first = CheckpointFormat.Serialize(a);
        Assert.Equal(first, CheckpointFormat.Serialize(a));
        byte[] second = CheckpointFormat.Serialize(b);

        Assert.Equal(first.Length, second.Length);
        var metadata = Section(a, "metadata");
        var differing = Enumerable.Range(0, first.Length).Where(i => first[i] != second[i]).ToArray();
        Assert.All(differing, i => Assert.True(
            (i >= metadata.Offset && i < metadata.Offset + metadata.Length) || i >= first.Length - 8,
            $"byte {i} differs outside the metadata and the checksum"));
        Assert.Null(CheckpointCompatibility.FirstDifference(CheckpointFormat.Deserialize(second), a.Model, a.Settings, a.Vocabulary));
    }

    [Fact]
    public void Writing_refuses_what_a_reader_would_reject()
    {
        var c = Make();
        var layout = new ParameterLayout(c.Model);

        var e = Assert.Throws<CheckpointException>(() => CheckpointFormat.Serialize(c with { Parameters = new float[layout.TotalSize - 1] }));
        Assert.Equal(CheckpointErrorKind.Invalid, e.Kind);
        Assert.Equal($"parameters: {layout.TotalSize - 1} values, model lstm vocab=9 embed=3 hidden=4 layers=2 dropout=0.25 needs {layout.TotalSize}", e.Message);

        var wh = layout["l1.wh"];
        var nan = (float[])c.Parameters.Clone();
        nan[wh.Offset + 2 * wh.Cols + 5] = float.NaN;
        e = Assert.Throws<CheckpointException>(() => CheckpointFormat.Serialize(c with { Parameters = nan }));
        Assert.Equal($"parameter l1.wh[2, 5] (flat index {wh.Offset + 2 * wh.Cols + 5}) is NaN", e.Message);

        e = Assert.Throws<CheckpointException>(() => CheckpointFormat.Serialize(c with { Vocabulary = new Vocabulary(TokenizerKind.Char, ["x", "y"], -1) }));
        Assert.Equal("vocabulary: 2 tokens, model lstm vocab=9 embed=3 hidden=4 layers=2 dropout=0.25 has vocabulary size 9", e.Message);

        e = Assert.Throws<CheckpointException>(() => CheckpointFormat.Serialize(c with { Settings = c.Settings with { Optimizer = c.Settings.Optimizer with { Kind = (OptimizerKind)9 } } }));
        Assert.Equal("training settings: unknown optimizer kind 9", e.Message);

        e = Assert.Throws<CheckpointException>(() => CheckpointFormat.Serialize(c with { RunId = "bad\uD800id" }));
        Assert.Equal("run id is not valid Unicode (a lone surrogate at index 3)", e.Message);

        e = Assert.Throws<CheckpointException>(() => CheckpointFormat.Serialize(c with { Step = -1 }));
        Assert.Equal("step -1 is negative", e.Message);

        using var stream = new MemoryStream();
        e = Assert.Throws<CheckpointException>(() => CheckpointFormat.WriteTo(stream, c with { Parameters = nan }));
        Assert.Contains("l1.wh[2, 5]", e.Message);
        Assert.Equal(0, stream.Length); // validated before the first byte is written
    }

    [Fact]
    public void Save_and_load_files_atomically()
    {
        string directory = Path.Combine(Path.GetTempPath(), "rnn-ckpt-tests-" + Guid.NewGuid().ToString("N"));
        try
        {
            string path = Path.Combine(directory, "sub", "step-1234.ckpt");
            var first = Make();
            CheckpointFormat.SaveFile(path, first);
            var second = Make(randomSeed: 7) with { Step = 2000 };
            CheckpointFormat.SaveFile(path, second); // overwrites

            AssertSame(second, CheckpointFormat.LoadFile(path));
            Assert.Equal(2000, CheckpointFormat.ReadHeaderFile(path).Step);
            Assert.Equal(["step-1234.ckpt"], Directory.GetFiles(Path.Combine(directory, "sub")).Select(Path.GetFileName));

            // A failed save leaves the previous checkpoint in place and no temporary file.
            var bad = second with { Parameters = new float[3] };
            Assert.Throws<CheckpointException>(() => CheckpointFormat.SaveFile(path, bad));
            Assert.Equal(["step-1234.ckpt"], Directory.GetFiles(Path.Combine(directory, "sub")).Select(Path.GetFileName));
            AssertSame(second, CheckpointFormat.LoadFile(path));

            byte[] bytes = File.ReadAllBytes(path);
            File.WriteAllBytes(path, bytes[..^5]);
            var e = Assert.Throws<CheckpointException>(() => CheckpointFormat.LoadFile(path));
            Assert.Equal(CheckpointErrorKind.Truncated, e.Kind);
            Assert.StartsWith($"{path}: truncated checkpoint: expected 8 bytes of checksum", e.Message);
        }
        finally
        {
            if (Directory.Exists(directory))
                Directory.Delete(directory, recursive: true);
        }
    }
}

/// <summary>A checkpoint of realistic size (its speed is measured by the benchmarks, not here).</summary>
public class CheckpointLargeTests
{
    [Fact]
    public void Realistic_size_round_trips_bit_exactly()
    {
        // lstm vocab=65 embed=64 hidden=512 layers=2: about 3.3M parameters, Adam state 6.6M (40 MB).
        var model = new ModelDescription(CellKind.Lstm, 65, 64, 512, 2, 0f);
        var layout = new ParameterLayout(model);
        Assert.InRange(layout.TotalSize, 3_300_000, 3_400_000);
        var random = new SplitMix64(3);
        var parameters = new float[layout.TotalSize];
        for (int i = 0; i < parameters.Length; i++)
            parameters[i] = random.NextFloat() - 0.5f;
        var state = new float[2 * parameters.Length];
        for (int i = 0; i < state.Length; i++)
            state[i] = random.NextFloat();
        var tokens = Enumerable.Range(0, 65).Select(i => ((char)('!' + i)).ToString()).ToArray();
        var c = new Checkpoint("big", 10, model, new Vocabulary(TokenizerKind.Char, tokens, -1), Settings(), parameters, state, CheckpointMetadata.None);

        var bytes = CheckpointFormat.Serialize(c);
        var loaded = CheckpointFormat.Deserialize(bytes);

        Assert.Equal(4L * (parameters.Length + state.Length) + ParametersOffset(bytes) + 8, bytes.Length);
        Assert.Equal(Bits(parameters), Bits(loaded.Parameters));
        Assert.Equal(Bits(state), Bits(loaded.OptimizerState));
    }
}
