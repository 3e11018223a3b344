using RnnCluster.Training.Wire;

namespace RnnCluster.Training.ParameterServer;

/// <summary>
/// The current parameter version as one blob that every recipient shares: a version is copied
/// once, however many workers get it (the copies were the server's own work on the critical path
/// of every step, ≈ 0.6 ms each for config b, one per worker). The next version is a new blob.
/// A parameter server publishes its whole buffer, a shard its range.
/// </summary>
public sealed class PublishedParameters : IDisposable
{
    private long _version = -1;
    private TensorBlob? _blob; // this object's own share, given up when the version changes

    /// <summary>The blob of <paramref name="values"/> at <paramref name="version"/>, with a share for one recipient, who gives it up.</summary>
    public TensorBlob For(long version, ReadOnlySpan<float> values)
    {
        if (_blob is null || _version != version)
        {
            _blob?.Dispose();
            (_version, _blob) = (version, TensorBlob.CopyOf(values));
        }
        return _blob.Share();
    }

    public void Dispose()
    {
        _blob?.Dispose();
        _blob = null;
    }
}
