using RnnCluster.Core.Model;

namespace RnnCluster.Core.Tests.Model;

/// <summary>
/// The full softmax works through its rows in tiles; the tile size is a speed knob only, so every
/// size — one row, a size that leaves a ragged last tile, all rows in one — gives the same bytes.
/// </summary>
public sealed class FullSoftmaxTileTests
{
    private const int Steps = 4, Batch = 3, Vocab = 23;

    [Fact]
    public void Every_tile_size_gives_the_same_loss_and_gradient_bytes()
    {
        var d = new ModelDescription(CellKind.Lstm, Vocab, Embed: 5, Hidden: 19, Layers: 2, Dropout: 0.2f);
        var layout = new ParameterLayout(d);
        var random = new Random(11);
        var parameters = Enumerable.Range(0, layout.TotalSize).Select(_ => (float)(random.NextDouble() - 0.5) * 0.8f).ToArray();
        int[] inputs = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 21, 22], targets = [0, 4, 5, 11, 12, 22, 3, 7, 15, 5, 20, 1];
        int saved = FullSoftmaxOutput.TileRows;
        (double Loss, byte[] Bytes)? first = null;
        try
        {
            foreach (int rows in new[] { 1, 5, 12, 256 })
            {
                FullSoftmaxOutput.TileRows = rows;
                var gradient = new float[layout.TotalSize];
                using var model = new RecurrentLanguageModel(d, Batch, Steps);
                model.LoadParameters(parameters);
                double loss = model.ForwardBackward(inputs, targets, Batch, Steps, new DropoutKey(1, 2, 3), 0.5f, gradient);
                var bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(gradient.AsSpan()).ToArray();
                first ??= (loss, bytes);
                Assert.Equal(first.Value.Loss, loss);
                Assert.True(first.Value.Bytes.AsSpan().SequenceEqual(bytes), $"tiles of {rows} rows differ");
            }
        }
        finally
        {
            FullSoftmaxOutput.TileRows = saved;
        }
    }
}
