namespace RnnCluster.Training.Coordinator;

/// <summary>
/// The workers the coordinator knows: who joined under which id, who is ready, and which
/// micro-batches each holds. <typeparamref name="TWorker"/> is an actor reference in the actor and
/// a plain value in tests.
/// </summary>
public sealed class WorkerRoster<TWorker> where TWorker : notnull
{
    private readonly Dictionary<TWorker, Slot> _slots = new();

    private sealed class Slot(string id)
    {
        public string Id { get; } = id;
        public bool Ready { get; set; }
        public int[]? Assignment { get; set; }
    }

    public int Count => _slots.Count;

    public IEnumerable<TWorker> All => _slots.Keys;

    public bool Contains(TWorker worker) => _slots.ContainsKey(worker);

    public string IdOf(TWorker worker) => _slots[worker].Id;

    /// <summary>Ready workers in the order of their ids: every coordinator splits a step the same way.</summary>
    public IReadOnlyList<TWorker> Live =>
        _slots.Where(s => s.Value.Ready).OrderBy(s => s.Value.Id, StringComparer.Ordinal).Select(s => s.Key).ToList();

    /// <summary>Live workers with the fewest micro-batches first (ties in id order).</summary>
    public IReadOnlyList<TWorker> LiveByLoad => Live.OrderBy(w => _slots[w].Assignment?.Length ?? 0).ToList();

    public IReadOnlyList<TWorker> Idle => Live.Where(w => _slots[w].Assignment is null).ToList();

    public int ReadyCount => _slots.Values.Count(s => s.Ready);

    public bool AnyAssigned => _slots.Values.Any(s => s.Assignment is not null);

    public IReadOnlySet<int> Outstanding => _slots.Values.Where(s => s.Assignment is not null).SelectMany(s => s.Assignment!).ToHashSet();

    public int[]? AssignmentOf(TWorker worker) => _slots.TryGetValue(worker, out var slot) ? slot.Assignment : null;

    /// <summary>
    /// Adds a worker; a known worker is left as it is. Returns the earlier incarnation of the same
    /// id (a restarted worker), which the caller must remove as lost.
    /// </summary>
    public (bool IsNew, TWorker? Replaced) Join(TWorker worker, string id)
    {
        if (_slots.ContainsKey(worker))
            return (false, default);
        var replaced = _slots.Where(s => s.Value.Id == id).Select(s => s.Key).FirstOrDefault();
        _slots[worker] = new Slot(id);
        return (true, replaced);
    }

    /// <summary>True the first time the worker reports ready.</summary>
    public bool MarkReady(TWorker worker)
    {
        var slot = _slots[worker];
        bool first = !slot.Ready;
        slot.Ready = true;
        return first;
    }

    public bool IsReady(TWorker worker) => _slots.TryGetValue(worker, out var slot) && slot.Ready;

    /// <summary>Removes a worker; returns its id and what it held, or null when it was not known.</summary>
    public (string Id, int[]? Assignment)? Remove(TWorker worker) =>
        _slots.Remove(worker, out var slot) ? (slot.Id, slot.Assignment) : null;

    /// <summary>Adds micro-batches to what the worker holds.</summary>
    public void Assign(TWorker worker, int[] microBatches)
    {
        var slot = _slots[worker];
        slot.Assignment = slot.Assignment is null ? microBatches : [.. slot.Assignment, .. microBatches];
    }

    public void Release(TWorker worker)
    {
        if (_slots.TryGetValue(worker, out var slot))
            slot.Assignment = null;
    }

    public void ReleaseAll()
    {
        foreach (var slot in _slots.Values)
            slot.Assignment = null;
    }

    public void ReleaseId(string id)
    {
        foreach (var slot in _slots.Values.Where(s => s.Id == id))
            slot.Assignment = null;
    }
}
