using System.Runtime.InteropServices;
using RnnCluster.Core.Kernels;
using RnnCluster.Core.Model;

namespace RnnCluster.Core.Tests.Model;

/// <summary>
/// Layer 0's input projection computed per vocabulary row and gathered (vocabulary smaller than
/// the window) gives exactly the bytes of the product over every window row, for every cell and
/// GEMM path; with a vocabulary at least as large as the window the full product runs.
/// </summary>
public sealed unsafe class EmbeddingProjectionTests
{
    private const int Steps = 9, Batch = 8, Input = 12, Hidden = 37;

    [Theory]
    [InlineData(CellKind.Lstm, 5)]
    [InlineData(CellKind.Gru, 5)]
    [InlineData(CellKind.Rnn, 5)]
    [InlineData(CellKind.Lstm, 71)]
    [InlineData(CellKind.Lstm, 72)]
    [InlineData(CellKind.Gru, 200)]
    public void Gathered_projection_gives_the_bytes_of_the_full_product(CellKind cell, int vocab)
    {
        var layout = new ParameterLayout(new ModelDescription(cell, vocab, Input, Hidden, 1, 0f));
        var rng = new Random(vocab * 7 + (int)cell);
        var parameters = new float[layout.TotalSize];
        for (int i = 0; i < parameters.Length; i++)
            parameters[i] = (float)(rng.NextDouble() * 2 - 1);
        var table = new float[vocab * Input];
        for (int i = 0; i < table.Length; i++)
            table[i] = (float)(rng.NextDouble() * 2 - 1) * (i % 11 == 0 ? 0f : 1f); // some exact zeros
        int rows = Steps * Batch;
        var tokens = new int[rows];
        for (int r = 0; r < rows; r++)
            tokens[r] = rng.Next(vocab);
        var x = new float[rows * Input];
        for (int r = 0; r < rows; r++)
            Array.Copy(table, tokens[r] * Input, x, r * Input, Input);

        foreach (GemmPath path in new[] { GemmPath.Vector512, GemmPath.Vector256, GemmPath.Scalar })
        {
            if (!Gemm.IsSupported(path))
                continue;
            Gemm.ForcedPath = path;
            try
            {
                float[] plain = Forward(cell, layout, parameters, x, table, tokens, vocab, embedded: false);
                // Below the window size the gathered projection must not read x: NaN rows prove it.
                float[] xSeen = vocab < rows ? Enumerable.Repeat(float.NaN, x.Length).ToArray() : x;
                float[] gathered = Forward(cell, layout, parameters, xSeen, table, tokens, vocab, embedded: true);
                Assert.True(MemoryMarshal.AsBytes(plain.AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(gathered.AsSpan())),
                    $"{cell} V={vocab} {path}: outputs differ");
                Assert.Contains(plain, v => v != 0f);
            }
            finally
            {
                Gemm.ForcedPath = GemmPath.Auto;
            }
        }
    }

    private static float[] Forward(CellKind cell, ParameterLayout layout, float[] parameters, float[] x, float[] table, int[] tokens, int vocab, bool embedded)
    {
        using var layer = RecurrentLayer.Create(cell, layout.Layers[0], Input, Hidden, Steps, Batch);
        fixed (float* p = parameters)
        fixed (float* xp = x)
        fixed (float* e = table)
        {
            layer.PackWeights(p);
            if (embedded)
                layer.SetEmbeddingInput(e, vocab, tokens);
            layer.Forward(p, xp, Steps, Batch, carryState: false);
        }
        return layer.Output.Span.ToArray();
    }
}
