using RnnCluster.Core.Steps;
using RnnCluster.Training.Wire;

namespace RnnCluster.Training.ParameterServer;

/// <summary>
/// The current parameter version as one blob that every recipient shares: a version is copied
/// once, however many workers get it (the copies were the server's own work on the critical path
/// of every step, ≈ 0.6 ms each for config b, one per worker). The next version is a new blob.
/// </summary>
public sealed class PublishedParameters : IDisposable
{
    private TrainingState? _state;
    private long _step = -1;
    private TensorBlob? _blob; // this object's own share, given up when the version changes

    /// <summary>The blob of <paramref name="state"/>'s current version, with a share for one recipient, who gives it up.</summary>
    public TensorBlob For(TrainingState state)
    {
        if (_blob is null || !ReferenceEquals(_state, state) || _step != state.Step)
        {
            _blob?.Dispose();
            (_state, _step, _blob) = (state, state.Step, TensorBlob.CopyOf(state.Parameters));
        }
        return _blob.Share();
    }

    public void Dispose()
    {
        _blob?.Dispose();
        _blob = null;
    }
}
