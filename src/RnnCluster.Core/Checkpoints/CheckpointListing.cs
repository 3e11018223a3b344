using System.Globalization;
using System.Text;
using RnnCluster.Core.Optim;
using static RnnCluster.Core.Checkpoints.CheckpointFormat;

namespace RnnCluster.Core.Checkpoints;

/// <summary>
/// What listings need: a header without the arrays (a listing of many large checkpoints reads a
/// few kilobytes of each), and text for people to read.
/// </summary>
internal static class CheckpointListing
{
    public static CheckpointHeader ReadHeader(ReadOnlySpan<byte> bytes)
    {
        var prefix = CheckpointPrefix.Read(bytes);
        return CheckpointHeaderParser.Check(bytes, prefix, available: null).Header;
    }

    public static CheckpointHeader ReadHeader(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        long? available = stream.CanSeek ? stream.Length - stream.Position : null;
        byte[] prefixBytes = new byte[PrefixSize];
        int read = stream.ReadAtLeast(prefixBytes, PrefixSize, throwOnEndOfStream: false);
        var prefix = CheckpointPrefix.Read(prefixBytes.AsSpan(0, read));
        // Before the header length sizes the buffer below.
        prefix.CheckHeaderLength(available);

        byte[] head = new byte[prefix.HeaderEnd];
        prefixBytes.CopyTo(head, 0);
        read = stream.ReadAtLeast(head.AsSpan(PrefixSize), (int)prefix.HeaderLength, throwOnEndOfStream: false);
        var header = CheckpointHeaderParser.Parse(head.AsSpan(0, PrefixSize + read), prefix).Header;

        if (available is long length)
            CheckpointDiagnosis.CheckLengthWithoutChecksum(length, prefix, header);
        return header;
    }

    public static CheckpointHeader ReadHeaderFile(string path) =>
        CheckpointReader.ReadFile(path, bufferSize: 4096, FileOptions.None, ReadHeader);

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
            // The range DateTimeOffset can show; a damaged or far-future value is printed raw.
            if (ms >= -62135596800000L && ms <= 253402300799999L)
                line.Append(ic, $" | created {DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime:yyyy-MM-dd HH:mm:ss}Z");
            else
                line.Append(ic, $" | created {ms} ms");
        }
        return line.ToString();
    }

    /// <summary>Hex, and the printable ASCII beside it: a foreign file is often recognisable by its first bytes.</summary>
    public static string ShowBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
            return "nothing";
        var text = new StringBuilder(bytes.Length);
        foreach (byte b in bytes)
            text.Append(b is >= 0x20 and < 0x7F ? (char)b : '.');
        return $"{Convert.ToHexString(bytes)} (\"{text}\")";
    }

    private static string DescribeSchedule(LrSchedule l) => l.Kind switch
    {
        LrScheduleKind.Constant => "constant",
        LrScheduleKind.StepDecay => string.Create(CultureInfo.InvariantCulture, $"step-decay x{l.DecayFactor} every {l.DecaySteps}"),
        LrScheduleKind.WarmupCosine => string.Create(CultureInfo.InvariantCulture, $"warmup {l.WarmupSteps} cosine {l.DecaySteps} min {l.MinLrFraction}"),
        _ => $"schedule {(int)l.Kind}",
    };
}
