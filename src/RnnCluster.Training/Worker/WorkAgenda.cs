namespace RnnCluster.Training.Worker;

/// <summary>
/// A worker's assignments and the parameters they need. In sync mode an assignment of step s needs
/// the parameters of version s exactly; the next version is asked for as soon as a step starts, so
/// the server sends it the moment it is applied. In async mode any parameters will do.
/// </summary>
public sealed class WorkAgenda(bool sync)
{
    private const long NotRequested = long.MinValue;
    private readonly Queue<AssignWork> _pending = new();
    private long _requested = NotRequested;  // asked for, not yet answered
    private long _answeredFor = NotRequested; // the version the cached parameters were last fetched for
    private (long Step, ShareCancellation Cancel)? _running;

    /// <summary>The newest parameters received; their blob is this worker's until replaced.</summary>
    public ParametersAvailable? Parameters { get; private set; }

    public bool Busy { get; private set; }

    public void Enqueue(AssignWork work) => _pending.Enqueue(work);

    /// <summary>The coordinator is gone: its assignments are void.</summary>
    public void Clear() => _pending.Clear();

    /// <summary>
    /// Whoever served the cached parameters is gone (a shard stopped): a successor resumes from a
    /// checkpoint, whose version the next step asks for again, so that its slices say where the
    /// shards are now. Returns the dropped parameters, whose blob the caller releases.
    /// </summary>
    public ParametersAvailable? Forget()
    {
        var dropped = Parameters;
        (Parameters, _requested, _answeredFor) = (null, NotRequested, NotRequested);
        return dropped;
    }

    /// <summary>Nothing came for the last request: the next one asks again.</summary>
    public void ForgetRequest() => _requested = NotRequested;

    /// <summary>
    /// Parameters arrived. The answer to a request is the server's truth even when it is older than
    /// the cached ones (a server restarted from its last checkpoint serves that version); otherwise
    /// only newer parameters replace the cached ones.
    /// </summary>
    /// <returns>The message whose blob is no longer needed (the replaced one, or <paramref name="parameters"/> itself), or null.</returns>
    public ParametersAvailable? Receive(ParametersAvailable parameters)
    {
        Runtime.StepTrace.Mark(Runtime.StepTrace.ParametersReceived, parameters.Version);
        if (sync && _running is { } running && parameters.Version > running.Step)
            running.Cancel.Cancel(); // the server applied that step without this share
        bool answer = _requested != NotRequested && parameters.Version >= _requested;
        if (answer)
        {
            _answeredFor = _requested;
            _requested = NotRequested;
        }
        return Keep(parameters, answer);
    }

    /// <summary>Async mode: a verdict carries the server's current parameters; newer ones replace the cached ones.</summary>
    public ParametersAvailable? ReceiveCurrent(ParametersAvailable parameters) => Keep(parameters, force: false);

    private ParametersAvailable? Keep(ParametersAvailable parameters, bool force)
    {
        if (Parameters is not null && parameters.Version < Parameters.Version && !force)
            return parameters;
        var replaced = Parameters;
        Parameters = parameters;
        return ReferenceEquals(replaced, parameters) ? null : replaced;
    }

    /// <summary>The next thing to do. A <see cref="AgendaStep.Compute"/> makes the worker busy until <see cref="Done"/>.</summary>
    public AgendaStep Next()
    {
        while (!Busy && _pending.Count > 0)
        {
            long needed = sync ? _pending.Peek().Step : -1;
            if (Parameters is not null && (!sync || Parameters.Version == needed))
            {
                Busy = true;
                var work = _pending.Dequeue();
                _running = (work.Step, new ShareCancellation());
                return new AgendaStep.Compute(work, Parameters, _running.Value.Cancel);
            }
            if (Parameters is not null && Parameters.Version > needed && _answeredFor == needed)
            {
                _pending.Dequeue(); // the server itself is past this step (someone else finished it)
                continue;
            }
            return new AgendaStep.AwaitParameters(Ask(needed));
        }
        return AgendaStep.Nothing;
    }

    public void Done()
    {
        Busy = false;
        _running = null;
    }

    /// <summary>The version to ask the server for, or null when that request is already out.</summary>
    public long? Ask(long version)
    {
        if (_requested == version)
            return null;
        _requested = version;
        return version;
    }
}
