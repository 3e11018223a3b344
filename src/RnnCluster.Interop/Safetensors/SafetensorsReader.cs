using System.Buffers.Binary;
using System.Text.Json;

namespace RnnCluster.Interop.Safetensors;

/// <summary>
/// A strict reader of the safetensors format, written from its specification rather than from
/// any one implementation: the 8-byte little-endian header length must leave room in the file;
/// the header must be a UTF-8 JSON object that starts with '{' (trailing spaces allowed); every
/// entry other than <c>__metadata__</c> (a string-to-string object) has exactly dtype, shape and
/// data_offsets; offsets must match the shape's byte size, and the tensors must cover the data
/// section exactly — contiguous, without gaps or overlaps, nothing after the last. Only F32 is
/// read (the exporter's dtype); any other dtype is named. Every refusal is an
/// <see cref="InteropException"/> saying what is wrong and where.
/// </summary>
public static class SafetensorsReader
{
    /// <summary>The reference implementation's bound on the header (100 MB); beyond it a file is refused, not parsed.</summary>
    public const long MaxHeaderBytes = 100_000_000;

    private static readonly HashSet<string> KnownDtypes = new(StringComparer.Ordinal)
    {
        "BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3", "I16", "U16", "F16", "BF16", "I32", "U32", "F32", "F64", "I64", "U64",
    };

    public static SafetensorsFile ReadFile(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InteropException($"Cannot read '{path}': {e.Message}");
        }
        return Read(bytes, Path.GetFileName(path));
    }

    public static SafetensorsFile Read(ReadOnlySpan<byte> bytes, string what = "the safetensors file")
    {
        if (bytes.Length < 8)
            throw new InteropException($"{what} holds {bytes.Length} bytes, fewer than the 8 of the header length: it is not a safetensors file.");
        ulong declared = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        if (declared > (ulong)(bytes.Length - 8))
            throw new InteropException($"{what}: the header length {declared} reaches beyond the file ({bytes.Length} bytes, so at most {bytes.Length - 8} for the header).");
        if (declared > MaxHeaderBytes)
            throw new InteropException($"{what}: the header length {declared} exceeds the format's limit of {MaxHeaderBytes} bytes.");
        int headerLength = (int)declared;
        var header = bytes.Slice(8, headerLength);
        if (headerLength < 2 || header[0] != (byte)'{')
            throw new InteropException($"{what}: the header does not start with '{{' (a JSON object), so this is not a safetensors file.");
        var data = bytes[(8 + headerLength)..];

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(header.ToArray(), new JsonDocumentOptions { AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Disallow });
        }
        catch (JsonException e)
        {
            throw new InteropException($"{what}: the header is not valid JSON ({e.Message}).");
        }
        using (document)
        {
            var entries = new List<(string Name, string Dtype, long[] Shape, long Begin, long End)>();
            var metadata = new List<KeyValuePair<string, string>>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (!seen.Add(property.Name))
                    throw new InteropException($"{what}: the header names '{property.Name}' twice.");
                if (property.Name == "__metadata__")
                    metadata.AddRange(Metadata(property.Value, what));
                else
                    entries.Add(Entry(property, what));
            }
            return new SafetensorsFile(Tensors(entries, data, what), metadata);
        }
    }

    private static IEnumerable<KeyValuePair<string, string>> Metadata(JsonElement element, string what)
    {
        if (element.ValueKind != JsonValueKind.Object)
            throw new InteropException($"{what}: __metadata__ must be an object of strings, not {element.ValueKind}.");
        var keys = new HashSet<string>(StringComparer.Ordinal);
        var result = new List<KeyValuePair<string, string>>();
        foreach (var m in element.EnumerateObject())
        {
            if (m.Value.ValueKind != JsonValueKind.String)
                throw new InteropException($"{what}: __metadata__ value '{m.Name}' is a {m.Value.ValueKind}, but the format allows only strings.");
            if (!keys.Add(m.Name))
                throw new InteropException($"{what}: __metadata__ names '{m.Name}' twice.");
            result.Add(new(m.Name, m.Value.GetString()!));
        }
        return result;
    }

    private static (string Name, string Dtype, long[] Shape, long Begin, long End) Entry(JsonProperty property, string what)
    {
        string name = property.Name;
        var e = property.Value;
        if (e.ValueKind != JsonValueKind.Object)
            throw new InteropException($"{what}: tensor '{name}' is described by a {e.ValueKind}, not an object.");
        var fields = e.EnumerateObject().Select(f => f.Name).ToList();
        var unexpected = fields.Except(["dtype", "shape", "data_offsets"]).ToList();
        if (unexpected.Count > 0 || fields.Count != 3 || fields.Distinct().Count() != 3)
            throw new InteropException($"{what}: tensor '{name}' must have exactly dtype, shape and data_offsets; it has {string.Join(", ", fields)}.");
        var dtypeElement = e.GetProperty("dtype");
        string dtype = dtypeElement.ValueKind == JsonValueKind.String ? dtypeElement.GetString()! : throw new InteropException($"{what}: tensor '{name}' has a dtype that is not a string.");
        if (!KnownDtypes.Contains(dtype))
            throw new InteropException($"{what}: tensor '{name}' has dtype '{dtype}', which the format does not define.");
        long[] shape = Integers(e.GetProperty("shape"), name, "shape", what);
        long[] offsets = Integers(e.GetProperty("data_offsets"), name, "data_offsets", what);
        if (offsets.Length != 2 || offsets[1] < offsets[0])
            throw new InteropException($"{what}: tensor '{name}' has data_offsets [{string.Join(", ", offsets)}]; expected [begin, end] with begin <= end.");
        if (dtype != "F32")
            throw new InteropException($"{what}: tensor '{name}' has dtype {dtype}; only F32 is supported (convert with tensor.float() before saving).");
        long elements = 1;
        foreach (long d in shape)
        {
            if (d > 0 && elements > long.MaxValue / 4 / d)
                throw new InteropException($"{what}: tensor '{name}' has a shape too large to address.");
            elements *= d;
        }
        if (offsets[1] - offsets[0] != elements * sizeof(float))
            throw new InteropException($"{what}: tensor '{name}' of shape [{string.Join(", ", shape)}] needs {elements * sizeof(float)} bytes, but its data_offsets [{offsets[0]}, {offsets[1]}] span {offsets[1] - offsets[0]}.");
        return (name, dtype, shape, offsets[0], offsets[1]);
    }

    private static long[] Integers(JsonElement element, string tensor, string field, string what)
    {
        if (element.ValueKind != JsonValueKind.Array)
            throw new InteropException($"{what}: tensor '{tensor}' has a {field} that is not an array.");
        var values = new List<long>();
        foreach (var v in element.EnumerateArray())
        {
            if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt64(out long n) || n < 0)
                throw new InteropException($"{what}: tensor '{tensor}' has {field} entry {v.GetRawText()}, not a non-negative integer.");
            values.Add(n);
        }
        return values.ToArray();
    }

    private static List<SafetensorsTensor> Tensors(List<(string Name, string Dtype, long[] Shape, long Begin, long End)> entries, ReadOnlySpan<byte> data, string what)
    {
        // Sorted by position (ties: the empty tensor first), each must start where the one
        // before ended: that rules out gaps and overlaps in one comparison.
        var ordered = entries.OrderBy(t => t.Begin).ThenBy(t => t.End).ToList();
        long expected = 0;
        string previous = "the start of the data section";
        foreach (var t in ordered)
        {
            if (t.Begin > expected)
                throw new InteropException($"{what}: there is a gap of {t.Begin - expected} bytes between {previous} and tensor '{t.Name}' (offset {expected} to {t.Begin}).");
            if (t.Begin < expected)
                throw new InteropException($"{what}: tensor '{t.Name}' (bytes {t.Begin}–{t.End}) overlaps {previous}, which ends at {expected}.");
            expected = t.End;
            previous = $"tensor '{t.Name}'";
        }
        if (expected > data.Length)
            throw new InteropException($"{what} is truncated: the tensors need a data section of {expected} bytes, but only {data.Length} follow the header.");
        if (expected < data.Length)
            throw new InteropException($"{what}: {data.Length - expected} bytes follow the last tensor ({previous}); the data section must hold the tensors and nothing else.");
        var tensors = new List<SafetensorsTensor>(ordered.Count);
        foreach (var t in ordered)
        {
            var values = new float[(t.End - t.Begin) / sizeof(float)];
            var source = data[(int)t.Begin..(int)t.End];
            for (int i = 0; i < values.Length; i++)
                values[i] = BinaryPrimitives.ReadSingleLittleEndian(source[(i * sizeof(float))..]);
            tensors.Add(new SafetensorsTensor(t.Name, t.Shape, values));
        }
        return tensors;
    }
}
