using System.Buffers.Binary;
using RnnCluster.Core.Checkpoints;
using RnnCluster.Core.Model;
using RnnCluster.Core.Optim;
using RnnCluster.Core.Text;
using static RnnCluster.Core.Tests.Checkpoints.CheckpointSamples;

namespace RnnCluster.Core.Tests.Checkpoints;

/// <summary>
/// An array, a seekable stream and a forward-only stream are read through one sequence of checks:
/// whatever the damage, all three must fail with the same kind and the same message.
/// </summary>
public class CheckpointReadPathTests
{
    private static readonly Checkpoint Sample = Make(CellKind.Gru, OptimizerKind.AdamW, TokenizerKind.Word);

    public static TheoryData<string> Damages() =>
        new("flipped bytes", "truncations", "appended bytes", "length fields", "length fields, re-signed", "invalid content");

    private static IEnumerable<byte[]> Damaged(string damage)
    {
        byte[] valid = CheckpointFormat.Serialize(Sample);
        byte[] With(Action<byte[]> change)
        {
            byte[] bytes = (byte[])valid.Clone();
            change(bytes);
            return bytes;
        }

        int headerLength = HeaderLength(valid);
        var sizes = Section(Sample, "array sizes");
        switch (damage)
        {
            case "flipped bytes":
                foreach (byte mask in new byte[] { 0x01, 0xFF })
                {
                    for (int at = 0; at < valid.Length; at++)
                        yield return With(b => b[at] ^= mask);
                }
                break;
            case "truncations":
                for (int length = 0; length < valid.Length; length++)
                    yield return valid[..length];
                break;
            case "appended bytes":
                foreach (int extra in new[] { 1, 7, 8, 31, 1000 })
                    yield return [.. valid, .. Enumerable.Repeat((byte)0x5A, extra)];
                yield return [.. valid, .. valid];
                yield return [.. With(b => b[100] ^= 0x08), 0];
                yield return [.. valid[..^8], 0];
                break;
            case "length fields":
            case "length fields, re-signed":
                bool resign = damage.EndsWith("re-signed", StringComparison.Ordinal);
                foreach (ulong total in new ulong[] { 0, 10, 31, 32, 40, (ulong)valid.Length - 4, (ulong)valid.Length + 1, (ulong)valid.Length + 1000, ulong.MaxValue })
                    yield return Sign(With(b => BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(12), total)), resign);
                foreach (uint header in new uint[] { 0, 7, 8, (uint)headerLength - 4, (uint)headerLength + 4, (uint)valid.Length, (256 << 20) + 1, uint.MaxValue })
                    yield return Sign(With(b => BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(20), header)), resign);
                foreach (int delta in new[] { -1, 1 })
                {
                    yield return Sign(With(b => BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(sizes.Offset), Sample.Parameters.Length + delta)), resign);
                    yield return Sign(With(b => BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(sizes.Offset + 4), Sample.OptimizerState.Length + delta)), resign);
                }
                yield return Sign(With(b => BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(sizes.Offset + 4), -1)), resign);
                break;
            case "invalid content":
                yield return Resign(With(b => BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(Section(Sample, "layout version").Offset), 3)));
                yield return Resign(With(b => BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(Section(Sample, "model").Offset), 9)));
                yield return Resign(With(b => BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(Section(Sample, "training settings").Offset + 20), 9)));
                yield return Resign(With(b => BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(Section(Sample, "metadata").Offset), 4)));
                yield return Resign(With(b => b[Section(Sample, "vocabulary token 3").Offset + 4] = 0xFF));
                yield return CheckpointFormat.Serialize(Sample with { Parameters = [float.NaN, .. Sample.Parameters[1..]] }, validate: false);
                yield return CheckpointFormat.Serialize(Sample with { Parameters = Sample.Parameters[..^1] }, validate: false);
                yield return CheckpointFormat.Serialize(Sample with { Step = -5 }, validate: false);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(damage));
        }
    }

    private static byte[] Sign(byte[] bytes, bool resign) => resign ? Resign(bytes) : bytes;

    private static void AssertSameFailure(Exception? expected, Exception? actual, byte[] bytes, string path)
    {
        var e = Assert.IsType<CheckpointException>(expected);
        var a = Assert.IsType<CheckpointException>(actual);
        Assert.True((e.Kind, e.Message) == (a.Kind, a.Message),
            $"{path}, {bytes.Length} bytes: expected {e.Kind} \"{e.Message}\", got {a.Kind} \"{a.Message}\"");
    }

    [Theory]
    [MemberData(nameof(Damages))]
    public void Arrays_and_streams_fail_alike(string damage)
    {
        int cases = 0;
        foreach (byte[] bytes in Damaged(damage))
        {
            var expected = Record.Exception(() => CheckpointFormat.Deserialize(bytes));
            AssertSameFailure(expected, Record.Exception(() => CheckpointFormat.ReadFrom(new MemoryStream(bytes))), bytes, "seekable stream");
            AssertSameFailure(expected, Record.Exception(() => CheckpointFormat.ReadFrom(new ForwardOnlyStream(bytes))), bytes, "forward-only stream");
            cases++;
        }
        Assert.True(cases > 0);
    }

    [Theory]
    [MemberData(nameof(Damages))]
    public void Header_reads_from_an_array_and_a_forward_only_stream_agree(string damage)
    {
        foreach (byte[] bytes in Damaged(damage))
        {
            var expected = Record.Exception(() => CheckpointFormat.ReadHeader(bytes));
            var actual = Record.Exception(() => CheckpointFormat.ReadHeader(new ForwardOnlyStream(bytes)));
            if (expected is null)
                Assert.Null(actual);
            else
                AssertSameFailure(expected, actual, bytes, "header from a forward-only stream");
        }
    }
}
