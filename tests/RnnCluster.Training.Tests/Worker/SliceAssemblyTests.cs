using RnnCluster.Training.ParameterServer;
using RnnCluster.Training.Wire;
using RnnCluster.Training.Worker;

namespace RnnCluster.Training.Tests.Worker;

/// <summary>A worker's side of a sharded server: slices stitched into versions, gradients split by the shards' ranges.</summary>
public sealed class SliceAssemblyTests
{
    private static ParameterSlice Slice(long version, int index, int offset, params float[] values) =>
        new("r", version, index, Count: 2, offset, TotalLength: 5, TensorBlob.CopyOf(values));

    [Fact]
    public void A_version_is_whole_once_every_shards_slice_is_in_whatever_their_order()
    {
        using var assembly = new SliceAssembly<string>();
        Assert.False(assembly.Routes.Known);
        Assert.Null(assembly.Receive(Slice(3, 1, 3, 4f, 5f), "b"));
        Assert.Null(assembly.Receive(Slice(4, 1, 3, 40f, 50f), "b")); // the next version's first slice
        var whole = assembly.Receive(Slice(3, 0, 0, 1f, 2f, 3f), "a");
        Assert.NotNull(whole);
        Assert.Equal(3, whole.Version);
        Assert.Equal([1f, 2f, 3f, 4f, 5f], whole.Parameters.Floats.ToArray());
        Assert.True(assembly.Routes.Known);
        whole.Parameters.Dispose();
        var next = assembly.Receive(Slice(4, 0, 0, 10f, 20f, 30f), "a");
        Assert.Equal([10f, 20f, 30f, 40f, 50f], next!.Parameters.Floats.ToArray());
        next.Parameters.Dispose();
    }

    [Fact]
    public void A_gradient_part_goes_to_each_shard_it_overlaps_with_the_loss()
    {
        using var assembly = new SliceAssembly<string>();
        assembly.Receive(Slice(0, 0, 0, 0f, 0f, 0f), "a")?.Parameters.Dispose();
        assembly.Receive(Slice(0, 1, 3, 0f, 0f), "b")?.Parameters.Dispose();
        var sent = new List<(string Shard, GradientComputed Piece)>();
        var g = new GradientComputed("r", 0, 0, 1, TensorBlob.CopyOf([7f, 8f, 9f]), LossSum: 2.5, Tokens: 4, "w", 0, Offset: 2);
        assembly.Routes.Deliver(g, "server", (shard, piece) => sent.Add((shard, piece)));
        Assert.Equal(["a", "b"], sent.Select(s => s.Shard));
        Assert.Equal([2, 3], sent.Select(s => s.Piece.Offset));
        Assert.Equal([7f], sent[0].Piece.Gradient.Floats.ToArray());
        Assert.Equal([8f, 9f], sent[1].Piece.Gradient.Floats.ToArray());
        Assert.All(sent, s => Assert.Equal((2.5, 4), (s.Piece.LossSum, s.Piece.Tokens)));
        Assert.Throws<ObjectDisposedException>(() => g.Gradient.Array); // the whole part was given up
        sent.ForEach(s => s.Piece.Gradient.Dispose());
    }

    [Fact]
    public void With_one_server_a_gradient_goes_to_it_whole()
    {
        using var assembly = new SliceAssembly<string>();
        var g = new GradientComputed("r", 0, 0, 1, TensorBlob.CopyOf([7f]), 0, 0, "w", 0);
        string? to = null;
        assembly.Routes.Deliver(g, "server", (shard, piece) => (to, _) = (shard, piece));
        Assert.Equal("server", to);
        g.Gradient.Dispose();
    }

    [Fact]
    public void A_stopped_shard_voids_the_routes_and_another_shard_does_not()
    {
        using var assembly = new SliceAssembly<string>();
        assembly.Receive(Slice(0, 0, 0, 0f, 0f, 0f), "a")?.Parameters.Dispose();
        assembly.Receive(Slice(0, 1, 3, 0f, 0f), "b")?.Parameters.Dispose();
        Assert.False(assembly.Forget("c"));
        Assert.True(assembly.Routes.Known);
        Assert.True(assembly.Forget("b"));
        Assert.False(assembly.Routes.Known); // until the next version's slices say where the shards are
    }
}
