using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;
using RnnCluster.Core.Kernels;
using RnnCluster.Training.Coordinator;
using RnnCluster.Training.Runtime;
using RnnCluster.Training.Wire;

namespace RnnCluster.Training.ParameterServer;

/// <summary>
/// One parameter-server shard of a run, an entity of Cluster Sharding on a node with the ps role
/// (<see cref="ShardPlacement"/>): workers send it their slices of every gradient and ask it for
/// its slice of every version; once its range of a step is reduced it sends its block sums to every
/// other shard of the run (<see cref="ShardPeers"/>, from the run that located it) and applies when
/// all shards' sums are in (<see cref="NormExchange"/>). It serves one run actor at a time: when that one dies, the shard passivates; a
/// successor that locates it again starts it afresh. Decisions are <see cref="ShardState{TWorker}"/>'s.
/// States: Located → Serving.
/// </summary>
public sealed class ShardActor : RunActor
{
    private readonly int _threads;
    private readonly Courier _wire = Courier.For(Context.System);
    private readonly List<CollectShard> _collect = new();
    private readonly List<(ShardReduced Sums, IActorRef From)> _early = new(); // peers' sums that came before the peers' list
    private IActorRef[]? _peers;
    private ShardReduced? _unshared; // this shard's sums, reduced before the peers' list came
    private ShardState<IActorRef>? _shard;
    private BlockParallel? _parallel;
    private IActorRef _run = ActorRefs.Nobody;
    private string _runId = "";

    public ShardActor(int threads)
    {
        _threads = threads;
        Located();
    }

    protected override string? RunId => _shard is null ? null : _runId;

    public static Props Props(int threads) => Akka.Actor.Props.Create(() => new ShardActor(threads));

    /// <summary>A shard that throws stops, never restarts empty: its run sees it terminate and rolls back to the latest checkpoint.</summary>
    protected override bool AroundReceive(Receive receive, object message)
    {
        try
        {
            return base.AroundReceive(receive, message);
        }
        catch (Exception e)
        {
            Log.Error("Shard of run '{0}' failed on {1} and stops: {2}", _runId, message.GetType().Name, e.Message);
            Context.Stop(Self);
            return true;
        }
    }

    /// <summary>Found by a run (or created by its child start), waiting for its range.</summary>
    private void Located()
    {
        Receive<LocateShard>(Locate);
        Receive<StartShard>(Start);
        Receive<Terminated>(OnTerminated);
    }

    private void Locate(LocateShard locate)
    {
        if (_shard is not null && Sender.Equals(_run) && locate.RunId == _runId)
        {
            // Its run asked again while this shard's start was on its way back: keep serving.
            Sender.Tell(new ShardLocated(locate.RunId, locate.Index));
            return;
        }
        Forget();
        if (!_run.IsNobody())
            Context.Unwatch(_run);
        (_runId, _run) = (locate.RunId, Context.Watch(Sender));
        Sender.Tell(new ShardLocated(locate.RunId, locate.Index));
        Become(Located);
    }

    private void Start(StartShard start)
    {
        try
        {
            Forget();
            if (!Sender.Equals(_run)) // started as a child, without a LocateShard
                (_runId, _run) = (start.RunId, Context.Watch(Sender));
            _parallel = _threads > 1 ? new BlockParallel(_threads, $"rnncluster-shard-{start.Index}") : null;
            _shard = new ShardState<IActorRef>(start, _parallel);
        }
        finally
        {
            start.State.Dispose();
        }
        _run.Tell(new ShardStarted(_runId, _shard.Index, _shard.Version));
        Become(Serving);
    }

    private void Serving()
    {
        Receive<LocateShard>(Locate); // a successor of the run: this state is stale
        Receive<StartShard>(repeated => // the same start, sent again before the first was confirmed
        {
            repeated.State.Dispose();
            Sender.Tell(new ShardStarted(_runId, _shard!.Index, _shard.Version));
        });
        Receive<Terminated>(OnTerminated);
        Run<GradientComputed>(g =>
        {
            StepTrace.Mark(StepTrace.GradientReceived, g.Step);
            try
            {
                var offer = _shard!.Offer(g);
                if (offer.Note is not null)
                    Log.Log(offer.Level, null, "Run '{0}': {1}", _runId, offer.Note);
                if (offer.Refused is not null)
                    _run.Tell(offer.Refused);
                if (offer.Reduced is not null)
                {
                    StepTrace.Mark(StepTrace.ShardReduced, g.Step);
                    _run.Tell(offer.Reduced);
                    Share(offer.Reduced);
                    Fold(offer.Reduced);
                }
            }
            finally
            {
                g.Gradient.Dispose();
            }
        });
        Run<ShardPeers>(p =>
        {
            _peers = p.Paths.Select(((ExtendedActorSystem)Context.System).Provider.ResolveActorRef).ToArray();
            if (_unshared is not null)
                Share(_unshared);
            foreach (var (sums, from) in _early)
                Peer(sums, from);
            _early.Clear();
        });
        Run<ShardReduced>(r =>
        {
            if (_peers is null)
                _early.Add((r, Sender));
            else
                Peer(r, Sender);
        });
        Run<RequestParameters>(r =>
        {
            if (_shard!.Request(Sender, r.Version))
                _wire.SendTensor(Sender, _shard.Slice(), Self);
        });
        Run<QueryMissing>(q => Sender.Tell(new MissingMicroBatches(_runId, _shard!.Version, _shard.Missing(q.Step))));
        Run<CollectShard>(c =>
        {
            _collect.Add(c);
            AnswerCollections();
        });
    }

    private void Share(ShardReduced sums)
    {
        _unshared = _peers is null ? sums : null;
        foreach (var peer in _peers ?? [])
            if (!peer.Equals(Self))
                peer.Tell(sums); // through Akka.Remote, not the bulk channel: a bulk connection to a restarted node may lose it
    }

    /// <summary>Sums count only from the peer of their index: a shard of an earlier run actor's may still be talking.</summary>
    private void Peer(ShardReduced sums, IActorRef from)
    {
        if (sums.Index >= 0 && sums.Index < _peers!.Length && sums.Index != _shard!.Index && from.Equals(_peers[sums.Index]))
            Fold(sums);
    }

    private void Fold(ShardReduced sums)
    {
        if (_shard!.Sums(sums) is not var (applied, publish))
            return;
        StepTrace.Mark(StepTrace.ApplyStarted, sums.Step);
        if (applied is null)
        {
            Log.Warning("Run '{0}': shard {1} forgets step {2}: its gradient's norm is not finite.", _runId, _shard.Index, sums.Step);
            return;
        }
        StepTrace.Mark(StepTrace.Applied, applied.Step);
        _run.Tell(applied);
        foreach (var worker in publish)
            _wire.SendTensor(worker, _shard.Slice(), Self);
        StepTrace.Mark(StepTrace.Published, applied.Step);
        AnswerCollections();
    }

    /// <summary>The run that owns this shard is gone: its successor resumes from a checkpoint, so this state is of no use.</summary>
    private void OnTerminated(Terminated t)
    {
        if (!t.ActorRef.Equals(_run))
            return;
        Forget();
        if (Context.Parent.Equals(_run))
            return; // a child: stopped with its run
        Log.Info("Shard of run '{0}' passivates: its run actor stopped.", _runId);
        Context.Parent.Tell(new Passivate(PoisonPill.Instance));
    }

    /// <summary>A checkpoint's collection is answered at its version; the run asks before it lets this shard go past it.</summary>
    private void AnswerCollections()
    {
        foreach (var c in _collect.Where(c => c.Step <= _shard!.Version).ToList())
        {
            _collect.Remove(c);
            if (c.Step == _shard!.Version)
                _wire.SendTensor(_run, _shard.Collect(), Self);
        }
    }

    private void Forget()
    {
        _shard?.Dispose();
        _parallel?.Dispose();
        (_shard, _parallel, _peers, _unshared) = (null, null, null, null);
        _collect.Clear();
        _early.Clear();
    }

    protected override void PostStop()
    {
        Forget();
        base.PostStop();
    }
}
