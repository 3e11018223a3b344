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
    private byte[]? _blob;

    /// <summary>The blob of <paramref name="state"/>'s current version, with one more owner: the recipient returns it.</summary>
    public byte[] For(TrainingState state)
    {
        if (_blob is null || !ReferenceEquals(_state, state) || _step != state.Step)
        {
            TensorPool.Return(_blob);
            (_state, _step, _blob) = (state, state.Step, FloatBytes.Pooled(state.Parameters));
        }
        TensorPool.AddOwner(_blob);
        return _blob;
    }

    public void Dispose()
    {
        TensorPool.Return(_blob);
        _blob = null;
    }
}
