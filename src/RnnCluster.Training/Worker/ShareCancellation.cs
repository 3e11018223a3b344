namespace RnnCluster.Training.Worker;

/// <summary>
/// Lets the actor stop a share its compute thread is running: in sync mode, once parameters newer
/// than the share's step arrive, the server has applied that step without it (a backup task or a
/// reassignment won) and the rest of the share would only delay the worker's next one.
/// </summary>
public sealed class ShareCancellation
{
    private volatile bool _requested;

    public bool Requested => _requested;

    public void Cancel() => _requested = true;
}
