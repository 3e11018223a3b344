namespace RnnCluster.Interop.Safetensors;

/// <summary>One float32 tensor of a safetensors file: row-major data of the given shape.</summary>
public sealed record SafetensorsTensor(string Name, IReadOnlyList<long> Shape, float[] Data)
{
    /// <summary>The element count the shape asks for (1 for a scalar, whose shape is empty).</summary>
    public long ElementCount => Shape.Aggregate(1L, (n, d) => checked(n * d));

    public string ShapeText => $"[{string.Join(", ", Shape)}]";
}
