using RnnCluster.Training.Node;
using RnnCluster.Training.Store;

namespace RnnCluster.Dashboard;

/// <summary>
/// The dashboard's read-only handle on the checkpoint store, opened on first use and kept: an open
/// costs a small actor system. A store that did not exist yet (a run that has not saved its first
/// checkpoint) is opened again on the next request rather than read as empty for ever.
/// </summary>
internal sealed class StoreAccess(StoreOptions? options) : IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private CheckpointStore? _store;
    private bool _empty;

    public bool Configured => options is not null;

    public async Task<T> UseAsync<T>(Func<CheckpointStore, Task<T>> read, T whenNone)
    {
        if (options is null)
            return whenNone;
        await _gate.WaitAsync();
        try
        {
            if (_store is null || _empty)
            {
                if (_store is not null)
                    await _store.DisposeAsync();
                _store = await CheckpointStore.OpenAsync(options, readOnly: true);
                _empty = (await _store.ListRunsAsync()).Count == 0;
            }
            return await read(_store);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_store is not null)
            await _store.DisposeAsync();
        _gate.Dispose();
    }
}
