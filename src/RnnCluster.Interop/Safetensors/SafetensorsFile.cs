namespace RnnCluster.Interop.Safetensors;

/// <summary>
/// The content of a safetensors file: tensors in file order and the string-to-string
/// <c>__metadata__</c> in header order (both orders are kept so that writing what was read gives
/// the same bytes).
/// </summary>
public sealed record SafetensorsFile(IReadOnlyList<SafetensorsTensor> Tensors, IReadOnlyList<KeyValuePair<string, string>> Metadata)
{
    public SafetensorsTensor? Find(string name) => Tensors.FirstOrDefault(t => t.Name == name);

    public string? MetadataValue(string key) => Metadata.Where(m => m.Key == key).Select(m => m.Value).FirstOrDefault();
}
