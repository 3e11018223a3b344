using RnnCluster.Training.ParameterServer;
using RnnCluster.Training.Wire;
using RnnCluster.Training.Worker;

namespace RnnCluster.Training.Tests.Wire;

/// <summary>
/// The pool shared by every actor of a process: tests use lengths no other test or run uses
/// (odd sizes), so parallel tests cannot take each other's arrays.
/// </summary>
public sealed class TensorPoolTests(SerializationSystem akka) : IClassFixture<SerializationSystem>
{
    [Fact]
    public void A_returned_array_is_rented_again_with_its_exact_length()
    {
        const int length = TensorPool.MinPooledBytes + 4 * 1001;
        var first = TensorPool.Rent(length);
        Assert.Equal(length, first.Length);
        TensorPool.Return(first);
        var second = TensorPool.Rent(length);
        Assert.Same(first, second);
        Assert.NotSame(second, TensorPool.Rent(length)); // the pool is empty again: a new array
    }

    [Fact]
    public void Returning_an_array_twice_is_refused_because_it_would_get_two_owners()
    {
        var array = TensorPool.Rent(TensorPool.MinPooledBytes + 4 * 1003);
        TensorPool.Return(array);
        var e = Assert.Throws<InvalidOperationException>(() => TensorPool.Return(array));
        Assert.Contains("twice", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_shared_array_goes_back_to_the_pool_only_with_its_last_owner()
    {
        const int length = TensorPool.MinPooledBytes + 4 * 1009;
        var shared = TensorPool.Rent(length);
        TensorPool.AddOwner(shared);
        TensorPool.AddOwner(shared); // three owners: the sender and two recipients

        TensorPool.Return(shared);
        TensorPool.Return(shared);
        var whileOwned = TensorPool.Rent(length);
        Assert.NotSame(shared, whileOwned); // one owner still reads it: it must not be handed out

        TensorPool.Return(shared);
        Assert.Same(shared, TensorPool.Rent(length));
        TensorPool.Return(whileOwned);
    }

    [Fact]
    public void A_shared_array_returned_once_more_than_it_has_owners_is_refused()
    {
        var shared = TensorPool.Rent(TensorPool.MinPooledBytes + 4 * 1011);
        TensorPool.AddOwner(shared);
        TensorPool.Return(shared);
        TensorPool.Return(shared);
        Assert.Throws<InvalidOperationException>(() => TensorPool.Return(shared));
    }

    [Fact]
    public void An_array_already_back_in_the_pool_cannot_get_another_owner()
    {
        var array = TensorPool.Rent(TensorPool.MinPooledBytes + 4 * 1013);
        TensorPool.Return(array);
        var e = Assert.Throws<InvalidOperationException>(() => TensorPool.AddOwner(array));
        Assert.Contains("cannot get another owner", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Small_arrays_are_plain_allocations_and_never_kept()
    {
        var small = TensorPool.Rent(1024);
        Assert.Equal(1024, small.Length);
        TensorPool.Return(small);
        TensorPool.Return(small); // not pooled, so not a double return either
        Assert.NotSame(small, TensorPool.Rent(1024));
    }

    [Fact]
    public void Pooled_float_bytes_are_the_same_bytes_as_a_plain_copy()
    {
        var values = Enumerable.Range(0, TensorPool.MinPooledBytes / 4 + 1005).Select(i => MathF.Sin(i) * 1e-3f).ToArray();
        var pooled = FloatBytes.Pooled(values);
        Assert.Equal(FloatBytes.From(values), pooled);
        TensorPool.Return(pooled);
    }

    [Fact]
    public void A_deserialized_tensor_blob_comes_from_the_pool_and_keeps_its_bytes()
    {
        const int length = TensorPool.MinPooledBytes + 4 * 1007;
        var blob = new byte[length];
        new Random(3).NextBytes(blob);
        var message = new GradientComputed(MessageSamples.RunId, 4, 0, 1, blob, 1.5, 16, "w", 4);
        var serializer = akka.Serialization.FindSerializerFor(message);
        byte[] bytes = serializer.ToBinary(message);

        var spare = TensorPool.Rent(length);
        TensorPool.Return(spare);
        var copy = (GradientComputed)akka.Serialization.Deserialize(bytes, serializer.Identifier, "GradientComputed.v1");

        Assert.Same(spare, copy.Gradient); // the receiver's array is the one the pool held
        Assert.Equal(blob, copy.Gradient);
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
