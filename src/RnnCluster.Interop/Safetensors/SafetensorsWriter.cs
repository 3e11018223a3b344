using System.Buffers.Binary;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace RnnCluster.Interop.Safetensors;

/// <summary>
/// Writes the safetensors format (huggingface/safetensors, "Format"): an unsigned 64-bit
/// little-endian header length N, N bytes of UTF-8 JSON, then the tensors' bytes back to back.
/// The header names <c>__metadata__</c> first, then each tensor as
/// <c>{"dtype":"F32","shape":[…],"data_offsets":[begin,end]}</c> in data order, and is padded with
/// spaces to a multiple of 8 bytes so that the data starts aligned, as the reference writer does.
/// Output is a pure function of the input: the same file content always gives the same bytes.
/// </summary>
public static class SafetensorsWriter
{
    /// <summary>The header and the data begin on this alignment (the reference implementation's).</summary>
    public const int Alignment = 8;

    public static byte[] Serialize(SafetensorsFile file)
    {
        using var stream = new MemoryStream();
        Write(stream, file);
        return stream.ToArray();
    }

    public static void Write(Stream stream, SafetensorsFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        byte[] header = Header(file);
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
        stream.Write(length);
        stream.Write(header);
        byte[] buffer = new byte[4096 * sizeof(float)];
        foreach (var tensor in file.Tensors)
        {
            var data = tensor.Data.AsSpan();
            while (!data.IsEmpty)
            {
                int n = Math.Min(data.Length, buffer.Length / sizeof(float));
                for (int i = 0; i < n; i++)
                    BinaryPrimitives.WriteSingleLittleEndian(buffer.AsSpan(i * sizeof(float)), data[i]);
                stream.Write(buffer, 0, n * sizeof(float));
                data = data[n..];
            }
        }
    }

    private static byte[] Header(SafetensorsFile file)
    {
        using var json = new MemoryStream();
        // Relaxed escaping: the header is UTF-8 and non-ASCII tokens stay readable; quotes,
        // backslashes and control characters are still escaped, so the JSON is valid.
        using (var writer = new Utf8JsonWriter(json, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            if (file.Metadata.Count > 0)
            {
                writer.WriteStartObject("__metadata__");
                foreach (var (key, value) in file.Metadata)
                    writer.WriteString(key, value);
                writer.WriteEndObject();
            }
            var names = new HashSet<string>(StringComparer.Ordinal) { "__metadata__" };
            long offset = 0;
            foreach (var tensor in file.Tensors)
            {
                if (!names.Add(tensor.Name))
                    throw new InteropException($"Tensor name '{tensor.Name}' appears twice (or is reserved).");
                if (tensor.Shape.Any(d => d < 0) || tensor.ElementCount != tensor.Data.Length)
                    throw new InteropException($"Tensor '{tensor.Name}' has shape {tensor.ShapeText} but {tensor.Data.Length} values.");
                long end = checked(offset + (long)tensor.Data.Length * sizeof(float));
                writer.WriteStartObject(tensor.Name);
                writer.WriteString("dtype", "F32");
                writer.WriteStartArray("shape");
                foreach (long d in tensor.Shape)
                    writer.WriteNumberValue(d);
                writer.WriteEndArray();
                writer.WriteStartArray("data_offsets");
                writer.WriteNumberValue(offset);
                writer.WriteNumberValue(end);
                writer.WriteEndArray();
                writer.WriteEndObject();
                offset = end;
            }
            writer.WriteEndObject();
        }
        int length = (int)json.Length;
        int padded = (length + Alignment - 1) / Alignment * Alignment;
        for (int i = length; i < padded; i++)
            json.WriteByte((byte)' ');
        return json.ToArray();
    }
}
