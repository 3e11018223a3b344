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
/// its slice of every version; its run (<see cref="ShardedRunActor"/>), which located it, tells it
/// when to apply. It serves one run actor at a time: when that one dies, the shard passivates; a
/// successor that locates it again starts it afresh. Decisions are <see cref="ShardState{TWorker}"/>'s.
/// States: Located → Serving.
/// </summary>
public sealed class ShardActor : RunActor
{
    private readonly int _threads;
    private readonly Courier _wire = Courier.For(Context.System);
    private readonly List<CollectShard> _collect = new();
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
                    _run.Tell(offer.Reduced);
            }
            finally
            {
                g.Gradient.Dispose();
            }
        });
        Run<ApplyShardStep>(apply =>
        {
            var (applied, publish) = _shard!.Apply(apply);
            if (applied is null)
                return;
            _run.Tell(applied);
            foreach (var worker in publish)
                _wire.SendTensor(worker, _shard.Slice(), Self);
            AnswerCollections();
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
        (_shard, _parallel) = (null, null);
        _collect.Clear();
    }

    protected override void PostStop()
    {
        Forget();
        base.PostStop();
    }
}
