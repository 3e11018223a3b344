using System.Buffers.Binary;
using RnnCluster.Core.Model;
using RnnCluster.Core.Optim;
using RnnCluster.Core.Text;
using static RnnCluster.Core.Checkpoints.CheckpointFormat;

namespace RnnCluster.Core.Checkpoints;

/// <summary>
/// The header's fields, read and validated in file order, so the first bad field in the file is
/// the one reported. Full reads, header reads and the truncation diagnosis all parse through here.
/// </summary>
internal static class CheckpointHeaderParser
{
    /// <summary>The header length against the prefix's total, then <see cref="Parse"/>.</summary>
    /// <param name="available">As in <see cref="CheckpointPrefix.CheckHeaderLength"/>.</param>
    public static ParsedHeader Check(ReadOnlySpan<byte> bytes, CheckpointPrefix prefix, long? available)
    {
        prefix.CheckHeaderLength(available);
        return Parse(bytes, prefix);
    }

    /// <summary>
    /// The fields, then the array sizes against the total length. Safe whatever the header length
    /// says, so that the truncation diagnosis can use it on a header it has not checked: bytes that
    /// stop before the header's end are parsed as far as they go, and the field they stop in is
    /// reported as truncated.
    /// </summary>
    public static ParsedHeader Parse(ReadOnlySpan<byte> bytes, CheckpointPrefix prefix)
    {
        bool cut = bytes.Length < prefix.HeaderEnd;
        var window = cut ? bytes[PrefixSize..] : bytes.Slice(PrefixSize, (int)prefix.HeaderLength);
        var reader = new SectionReader(window, PrefixSize, endIsDataEnd: cut, bytes.Length, prefix.TotalLength);
        var parsed = ParseFields(ref reader, prefix.TotalLength);
        reader.ExpectEnd(prefix.HeaderLength);
        prefix.CheckSizes(parsed.Header.ParameterCount, parsed.Header.OptimizerStateCount);
        return parsed;
    }

    private static ParsedHeader ParseFields(ref SectionReader r, ulong fileLength)
    {
        int layoutVersion = r.Int32("layout version");
        if (layoutVersion is not (1 or 2))
            throw new CheckpointException(
                CheckpointErrorKind.UnsupportedLayout,
                $"parameter layout version {layoutVersion}, this build reads 1 and {ModelDescription.LayoutVersion}: the parameter order differs");
        string runId = r.String("run id");
        long step = r.Int64("step");
        CheckpointContentChecks.CheckStep(step);

        var m = r.Take(ModelSize, "model description");
        var model = new ModelDescription((CellKind)I32(m, 0), I32(m, 4), I32(m, 8), I32(m, 12), I32(m, 16), F32(m, 20));
        if (layoutVersion == 2)
        {
            int clusters = r.Int32("softmax cutoff count");
            if (clusters is < 1 or > MaxCutoffs)
                throw new CheckpointException(CheckpointErrorKind.Invalid, $"model: {clusters} adaptive softmax cutoffs (1 to {MaxCutoffs} expected)");
            var cutoffs = new int[clusters];
            for (int i = 0; i < clusters; i++)
                cutoffs[i] = I32(r.Take(4, "softmax cutoff {0}", i), 0);
            model = model with { Softmax = SoftmaxHead.Adaptive(cutoffs) };
        }
        // Corrupt input must not make the layout allocate billions of layers: every layer holds
        // at least 3 floats (wx, wh, bx), so the declared file length bounds the layer count.
        if (model.Layers > 0 && (ulong)model.Layers * 12 > fileLength)
            throw new CheckpointException(CheckpointErrorKind.Invalid, $"model: {model.Layers} layers cannot fit in a checkpoint of {fileLength} bytes");
        var layout = CheckpointContentChecks.ValidateModel(model);

        var vh = r.Take(VocabularyHeaderSize, "vocabulary header");
        var kind = (TokenizerKind)I32(vh, 0);
        int unknownId = I32(vh, 4);
        int count = I32(vh, 8);
        if (!Enum.IsDefined(kind))
            throw new CheckpointException(CheckpointErrorKind.Invalid, $"vocabulary: unknown tokenizer kind {(int)kind}");
        CheckpointContentChecks.CheckVocabularyCount(count, model);
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
        CheckpointContentChecks.ValidateSettings(settings);

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
        CheckpointContentChecks.CheckParameterCount(parameterCount, layout);
        if (stateCount < 0)
            throw new CheckpointException(CheckpointErrorKind.Invalid, $"optimizer state: negative length {stateCount}");

        var header = new CheckpointHeader(runId, step, model, vocabulary, settings, metadata, parameterCount, stateCount, (long)fileLength);
        return new ParsedHeader(header, layout);
    }

    private static int I32(ReadOnlySpan<byte> s, int offset) => BinaryPrimitives.ReadInt32LittleEndian(s[offset..]);

    private static float F32(ReadOnlySpan<byte> s, int offset) => BinaryPrimitives.ReadSingleLittleEndian(s[offset..]);
}
