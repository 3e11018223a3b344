using RnnCluster.Training.ParameterServer;
using RnnCluster.Training.Wire;

namespace RnnCluster.Training.Worker;

/// <summary>
/// A worker's side of a sharded parameter server: it stitches the shards' <see cref="ParameterSlice"/>s
/// of a version into the whole buffer, and remembers which shard (<typeparamref name="TShard"/>)
/// holds which range, so that each gets its slice of every gradient part (<see cref="ShardRoutes{TShard}"/>).
/// </summary>
public sealed class SliceAssembly<TShard> : IDisposable where TShard : notnull
{
    private readonly SortedDictionary<long, (TensorBlob Blob, HashSet<int> Received)> _pending = new();
    private ShardRoutes<TShard>.Route[] _routes = [];

    /// <summary>The shards met so far; empty while the run has one server.</summary>
    public ShardRoutes<TShard> Routes => new(_routes);

    /// <summary>Takes one shard's slice; returns the whole version once every shard's is in (older partial versions are dropped).</summary>
    public ParametersAvailable? Receive(ParameterSlice slice, TShard shard)
    {
        try
        {
            if (_routes.Length != slice.Count)
                _routes = new ShardRoutes<TShard>.Route[slice.Count];
            var values = slice.Values.Floats;
            _routes[slice.Index] = new(shard, slice.Offset, values.Length);
            if (!_pending.TryGetValue(slice.Version, out var entry))
                _pending[slice.Version] = entry = (TensorBlob.Rent(slice.TotalLength * sizeof(float)), new HashSet<int>());
            if (entry.Received.Add(slice.Index))
                values.CopyTo(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(entry.Blob.Bytes)[slice.Offset..]);
            if (entry.Received.Count < slice.Count)
                return null;
            _pending.Remove(slice.Version);
            foreach (var older in _pending.Keys.Where(v => v < slice.Version).ToList())
            {
                _pending[older].Blob.Dispose();
                _pending.Remove(older);
            }
            return new ParametersAvailable(slice.RunId, slice.Version, entry.Blob);
        }
        finally
        {
            slice.Values.Dispose();
        }
    }

    /// <summary>A shard stopped (its node left, it moved, its run ended): the routes are void until the next version's slices. True if it was one of them.</summary>
    public bool Forget(TShard shard)
    {
        if (!_routes.Any(r => shard.Equals(r.Shard)))
            return false;
        _routes = [];
        return true;
    }

    public void Dispose()
    {
        foreach (var (blob, _) in _pending.Values)
            blob.Dispose();
        _pending.Clear();
    }
}
