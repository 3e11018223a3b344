using RnnCluster.Training.ParameterServer;
using RnnCluster.Training.Wire;
using RnnCluster.Training.Worker;

namespace RnnCluster.Training.Tests.Wire;

/// <summary>
/// Tensor blobs and the pool shared by every actor of a process: tests use lengths no other test or
/// run uses (odd sizes), so parallel tests cannot take each other's arrays.
/// </summary>
public sealed class TensorBlobTests(SerializationSystem akka) : IClassFixture<SerializationSystem>
{
    [Fact]
    public void A_given_back_array_is_rented_again_with_its_exact_length()
    {
        const int length = TensorPool.MinPooledBytes + 4 * 1001;
        var first = TensorBlob.Rent(length);
        var array = first.Array;
        Assert.Equal(length, first.Length);
        first.Dispose();
        var second = TensorBlob.Rent(length);
        Assert.Same(array, second.Array);
        Assert.NotSame(second.Array, TensorBlob.Rent(length).Array); // the pool is empty again: a new array
    }

    [Fact]
    public void A_blob_given_back_more_often_than_owned_is_refused_and_unusable()
    {
        var blob = TensorBlob.Rent(TensorPool.MinPooledBytes + 4 * 1003);
        blob.Dispose();
        Assert.Contains("more often than it was owned", Assert.Throws<InvalidOperationException>(blob.Dispose).Message, StringComparison.Ordinal);
        Assert.Throws<ObjectDisposedException>(() => blob.Array);
        Assert.Contains("cannot get another owner", Assert.Throws<InvalidOperationException>(() => blob.Share()).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_shared_blob_goes_back_to_the_pool_only_with_its_last_owner()
    {
        const int length = TensorPool.MinPooledBytes + 4 * 1009;
        var shared = TensorBlob.Rent(length);
        var array = shared.Array;
        Assert.Same(shared, shared.Share());
        shared.Share(); // three owners: the sender and two recipients

        shared.Dispose();
        shared.Dispose();
        var whileOwned = TensorBlob.Rent(length);
        Assert.NotSame(array, whileOwned.Array); // one owner still reads it: it must not be handed out
        Assert.Same(array, shared.Array);

        shared.Dispose();
        Assert.Same(array, TensorBlob.Rent(length).Array);
        whileOwned.Dispose();
    }

    [Fact]
    public void Small_blobs_are_plain_allocations_and_detached_ones_are_never_pooled()
    {
        var small = TensorBlob.Rent(1024);
        var array = small.Array;
        small.Dispose();
        Assert.NotSame(array, TensorBlob.Rent(1024).Array);

        var bytes = new byte[TensorPool.MinPooledBytes + 4 * 1013];
        var detached = TensorBlob.Detached(bytes);
        detached.Dispose();
        Assert.NotSame(bytes, TensorBlob.Rent(bytes.Length).Array);
    }

    [Fact]
    public void A_copy_of_floats_holds_the_same_bytes_as_a_plain_copy()
    {
        var values = Enumerable.Range(0, TensorPool.MinPooledBytes / 4 + 1005).Select(i => MathF.Sin(i) * 1e-3f).ToArray();
        using var blob = TensorBlob.CopyOf(values);
        Assert.Equal(FloatBytes.From(values), blob.Array);
        Assert.Equal(values, blob.Floats.ToArray());
    }

    [Fact]
    public void A_deserialized_tensor_blob_comes_from_the_pool_and_keeps_its_bytes()
    {
        const int length = TensorPool.MinPooledBytes + 4 * 1007;
        var bytesIn = new byte[length];
        new Random(3).NextBytes(bytesIn);
        var message = new GradientComputed(MessageSamples.RunId, 4, 0, 1, TensorBlob.CopyOf(bytesIn), 1.5, 16, "w", 4);
        var serializer = akka.Serialization.FindSerializerFor(message);
        byte[] bytes = serializer.ToBinary(message);
        message.Gradient.Dispose();

        var spare = TensorBlob.Rent(length);
        var spareArray = spare.Array;
        spare.Dispose();
        var copy = (GradientComputed)akka.Serialization.Deserialize(bytes, serializer.Identifier, "GradientComputed.v1");

        Assert.Same(spareArray, copy.Gradient.Array); // the receiver's blob holds the array the pool held
        Assert.Equal(bytesIn, copy.Gradient.Array);
        copy.Gradient.Dispose();
    }

    [Fact]
    public void A_null_blob_still_fails_as_a_missing_field()
    {
        var message = new ParametersAvailable(MessageSamples.RunId, 1, null!);
        var serializer = akka.Serialization.FindSerializerFor(message);
        byte[] bytes = serializer.ToBinary(message);
        Assert.Throws<System.Runtime.Serialization.SerializationException>(() =>
            akka.Serialization.Deserialize(bytes, serializer.Identifier, "ParametersAvailable.v1"));
    }
}
