using Akka.Actor;
using Akka.Event;
using RnnCluster.Training.Coordinator;
using RnnCluster.Core.Kernels;
using RnnCluster.Training.Runtime;
using RnnCluster.Training.Wire;
using RnnCluster.Training.Worker;

namespace RnnCluster.Training.ParameterServer;

/// <summary>
/// One parameter-server shard of a run: workers send it their slices of every gradient and ask it
/// for its slice of every version; its run (<see cref="ShardedRunActor"/>) tells it when to apply.
/// Decisions are <see cref="ShardState{TWorker}"/>'s. States: Starting → Serving.
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
        Receive<StartShard>(Start);
    }

    protected override string? RunId => _shard is null ? null : _runId;

    public static Props Props(int threads) => Akka.Actor.Props.Create(() => new ShardActor(threads));

    private void Start(StartShard start)
    {
        try
        {
            _parallel = _threads > 1 ? new BlockParallel(_threads, $"rnncluster-shard-{start.Index}") : null;
            (_runId, _run) = (start.RunId, Sender);
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

    protected override void PostStop()
    {
        _shard?.Dispose();
        _parallel?.Dispose();
        base.PostStop();
    }
}
