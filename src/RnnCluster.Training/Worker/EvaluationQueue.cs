namespace RnnCluster.Training.Worker;

/// <summary>
/// Validation requests waiting for their parameters. In sync mode only the exact version answers
/// a request; in async mode an earlier request is answered by newer parameters too, since the
/// server goes on applying the shares that were in flight when the coordinator asked, so the
/// version it named may never be served again.
/// </summary>
public sealed class EvaluationQueue(bool async)
{
    private readonly SortedDictionary<long, EvaluateRequest> _requests = new();

    public void Add(EvaluateRequest request) => _requests[request.Version] = request;

    /// <summary>The request parameters of <paramref name="version"/> answer, taken from the queue; null when none.</summary>
    public EvaluateRequest? Take(long version)
    {
        if (_requests.Remove(version, out var exact))
            return exact;
        var earlier = async ? _requests.Keys.Where(v => v < version).ToList() : [];
        return earlier.Count > 0 && _requests.Remove(earlier[^1], out var request) ? request : null;
    }

    /// <summary>The oldest version asked for that is newer than <paramref name="have"/>: the parameters to fetch, or null.</summary>
    public long? Wanted(long have) => _requests.Count > 0 && _requests.Keys.First() > have ? _requests.Keys.First() : null;
}
