using System.Buffers.Binary;
using System.Text;
using RnnCluster.Interop.Safetensors;

namespace RnnCluster.Interop.Tests;

/// <summary>
/// The strict reader against the format's rules: header length, JSON object, entries with exactly
/// dtype/shape/data_offsets, sizes that match shapes, a data section covered exactly.
/// </summary>
public sealed class SafetensorsReaderTests
{
    /// <summary>A file from a hand-written header and data section, so each rule can be broken alone.</summary>
    private static byte[] File(string header, int dataBytes, ulong? declaredLength = null)
    {
        var json = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + json.Length + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, declaredLength ?? (ulong)json.Length);
        json.CopyTo(bytes, 8);
        for (int i = 0; i < dataBytes; i++)
            bytes[8 + json.Length + i] = (byte)i;
        return bytes;
    }

    private static string Refusal(byte[] bytes) => Assert.Throws<InteropException>(() => SafetensorsReader.Read(bytes, "f")).Message;

    [Fact]
    public void Reads_what_the_writer_writes_and_writes_the_same_bytes_again()
    {
        var file = new SafetensorsFile(
            [new("a", [2, 3], [1, 2, 3, 4, 5, 6]), new("scalar", [], [7f]), new("empty", [0, 4], []), new("b", [2], [float.Epsilon, -0f])],
            [new("note", "ü \"quoted\" \\ ⁇"), new("n", "1")]);
        var bytes = SafetensorsWriter.Serialize(file);
        Assert.Equal(0, (bytes.Length - 8 - (6 + 1 + 2) * 4) % SafetensorsWriter.Alignment);
        var read = SafetensorsReader.Read(bytes);
        Assert.Equal(["a", "scalar", "empty", "b"], read.Tensors.Select(t => t.Name));
        Assert.Equal(file.Tensors[0].Data, read.Find("a")!.Data);
        Assert.Equal([2L], read.Find("b")!.Shape);
        Assert.Equal(BitConverter.SingleToInt32Bits(-0f), BitConverter.SingleToInt32Bits(read.Find("b")!.Data[1]));
        Assert.Equal(file.Metadata, read.Metadata);
        Assert.Equal(bytes, SafetensorsWriter.Serialize(read));
    }

    [Fact]
    public void A_file_shorter_than_the_length_field_is_refused() =>
        Assert.Contains("fewer than the 8", Refusal([1, 2, 3]));

    [Fact]
    public void A_header_length_beyond_the_file_is_refused() =>
        Assert.Contains("reaches beyond the file", Refusal(File("{}", 0, declaredLength: 1000)));

    [Fact]
    public void A_header_that_is_not_a_json_object_is_refused()
    {
        Assert.Contains("does not start with '{'", Refusal(File("[1]", 0)));
        Assert.Contains("not valid JSON", Refusal(File("{\"a\":", 0)));
    }

    [Fact]
    public void A_truncated_data_section_is_refused() =>
        Assert.Contains("truncated", Refusal(File("""{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}""", 12)));

    [Fact]
    public void Bytes_after_the_last_tensor_are_refused() =>
        Assert.Contains("follow the last tensor", Refusal(File("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", 8)));

    [Fact]
    public void Gaps_and_overlaps_between_tensors_are_refused()
    {
        Assert.Contains("gap of 4 bytes", Refusal(File("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}""", 12)));
        Assert.Contains("overlaps", Refusal(File("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", 8)));
        Assert.Contains("gap of 4 bytes", Refusal(File("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", 8)));
    }

    [Fact]
    public void Offsets_must_match_the_shape()
    {
        Assert.Contains("needs 8 bytes", Refusal(File("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,12]}}""", 12)));
        Assert.Contains("begin <= end", Refusal(File("""{"a":{"dtype":"F32","shape":[0],"data_offsets":[8,4]}}""", 8)));
    }

    [Fact]
    public void Entries_need_exactly_dtype_shape_and_offsets()
    {
        Assert.Contains("exactly dtype, shape and data_offsets", Refusal(File("""{"a":{"dtype":"F32","shape":[1]}}""", 4)));
        Assert.Contains("exactly dtype, shape and data_offsets", Refusal(File("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"x":1}}""", 4)));
        Assert.Contains("not a non-negative integer", Refusal(File("""{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}""", 4)));
        Assert.Contains("not a non-negative integer", Refusal(File("""{"a":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}}""", 4)));
    }

    [Fact]
    public void Dtypes_other_than_f32_are_named()
    {
        Assert.Contains("dtype F16; only F32", Refusal(File("""{"a":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}}""", 4)));
        Assert.Contains("does not define", Refusal(File("""{"a":{"dtype":"F33","shape":[1],"data_offsets":[0,4]}}""", 4)));
    }

    [Fact]
    public void Metadata_must_be_strings_and_names_unique()
    {
        Assert.Contains("allows only strings", Refusal(File("""{"__metadata__":{"n":1}}""", 0)));
        Assert.Contains("twice", Refusal(File("""{"a":{"dtype":"F32","shape":[0],"data_offsets":[0,0]},"a":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}}""", 0)));
    }

    [Fact]
    public void Trailing_spaces_in_the_header_are_allowed() =>
        Assert.Single(SafetensorsReader.Read(File("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}   """, 4)).Tensors);
}
