using RnnCluster.Core.Memory;

namespace RnnCluster.Core.Model;

/// <summary>
/// Initial parameters as a pure function of (layout, seed), following PyTorch's defaults:
/// embedding with unit variance (U(−√3, √3) rather than N(0, 1): no libm call, so the bits are
/// the same on every machine); recurrent and output weights and biases ~ U(−1/√H, 1/√H). One change:
/// the LSTM forget-gate bias starts at 1, so early training keeps the cell state (Gers et al.).
/// Each tensor draws from its own stream, so adding a tensor never shifts another's values.
/// </summary>
public static class ParameterInitializer
{
    private const float EmbeddingBound = 1.7320508f;

    public static float[] Create(ParameterLayout layout, ulong seed)
    {
        var parameters = new float[layout.TotalSize];
        Initialize(layout, seed, parameters);
        return parameters;
    }

    public static void Initialize(ParameterLayout layout, ulong seed, Span<float> parameters)
    {
        if (parameters.Length != layout.TotalSize)
            throw new ArgumentException($"Expected {layout.TotalSize} parameters, got {parameters.Length}.", nameof(parameters));
        var d = layout.Description;
        float bound = 1f / MathF.Sqrt(d.Hidden);
        for (int i = 0; i < layout.Tensors.Count; i++)
        {
            var spec = layout.Tensors[i];
            var rng = new SplitMix64(DeterministicRandom.Hash(seed, 0x1A17_1A11UL, (ulong)i));
            var values = parameters.Slice(spec.Offset, spec.Size);
            if (spec == layout.Embedding)
                FillUniform(values, EmbeddingBound, ref rng);
            else
                FillUniform(values, bound, ref rng);
        }
        if (d.Cell == CellKind.Lstm)
            foreach (var layer in layout.Layers)
                parameters.Slice(layer.Bx.Offset + d.Hidden, d.Hidden).Fill(1f);
    }

    private static void FillUniform(Span<float> values, float bound, ref SplitMix64 rng)
    {
        for (int i = 0; i < values.Length; i++)
            values[i] = (float)((rng.NextDouble() * 2 - 1) * bound);
    }
}
