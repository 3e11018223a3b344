using Akka.Actor;
using Akka.Event;
using RnnCluster.Core.Steps;
using RnnCluster.Training.Coordinator;
using RnnCluster.Training.Wire;

namespace RnnCluster.Training.ParameterServer;

/// <summary>
/// A synchronous run whose parameters are held by S <see cref="ShardActor"/>s (--ps-shards): the
/// run's journal and checkpoints stay here, under the same persistence id and in the same format
/// as <see cref="ParameterServerActor"/>'s, so resume, export and generate see no difference and a
/// run may resume with another shard count. Workers exchange gradients and parameters with the
/// shards directly; this actor folds the shards' block sums (<see cref="ShardedRun"/>), tells them
/// to apply, reports each step, and stitches their ranges into a checkpoint.
/// States: AwaitingBegin → (Loading →) Starting (the shards) → Training (→ Aborted).
/// </summary>
public sealed class ShardedRunActor(string runId, ParameterServerSettings settings) : RunJournalActor(runId, settings)
{
    private readonly List<IActorRef> _shards = new();
    private ShardedRun _run = null!;
    private string _shardFailure = "it stopped";

    public static Props Props(string runId, ParameterServerSettings settings) => Akka.Actor.Props.Create(() => new ShardedRunActor(runId, settings));

    protected override long Version => _run.Version;

    /// <summary>A shard that throws is stopped, never restarted empty: the run ends (Terminated) and resumes from its checkpoint.</summary>
    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(0, TimeSpan.Zero, e =>
    {
        _shardFailure = e.Message;
        return Directive.Stop;
    });

    /// <summary>Hands every shard its range of <paramref name="state"/>; the run is ready once all hold it.</summary>
    protected override void Start(TrainingState state, string note)
    {
        _run = new ShardedRun(RunId, state.Model, state.Settings, Begin.Shards, state.Step);
        if (Settings.LedgerPath is not null)
            Log.Warning("Run '{0}': the ledger {1} is not written for a run held by shards.", RunId, Settings.LedgerPath);
        var whole = new float[state.Parameters.Length + state.OptimizerState.Length];
        state.Parameters.CopyTo(whole, 0);
        state.OptimizerState.CopyTo(whole, state.Parameters.Length);
        int threads = Math.Max(1, Settings.EffectiveThreads / Begin.Shards);
        for (int k = 0; k < Begin.Shards; k++)
        {
            var shard = Context.Watch(Context.ActorOf(ShardActor.Props(threads).WithDispatcher(Settings.Dispatcher), $"shard-{k}"));
            _shards.Add(shard);
            Wire.SendTensor(shard, new StartShard(RunId, k, Begin.Shards, Begin.Definition, state.Step, TensorBlob.CopyOf(whole)), Self);
        }
        int started = 0;
        Become(() =>
        {
            Command<ShardStarted>(_ =>
            {
                if (++started < _shards.Count)
                    return;
                Log.Info("Run '{0}' ready at step {1} on {2} shards ({3}).", RunId, _run.Version, _shards.Count, note);
                Coordinator.Tell(new RunReady(RunId, _run.Version, Begin.Resume, note));
                Become(Training);
                Stash.UnstashAll();
            });
            Command<Terminated>(t => Refuse(ShardLost(t)));
            CommandAny(_ => Stash.Stash());
        });
    }

    private void Training()
    {
        Command<BeginRun>(AnswerBeginAgain);
        Command<RequestParameters>(r => _shards.ForEach(s => s.Forward(r))); // each shard answers the worker with its slice
        Command<QueryMissing>(q => _shards.ForEach(s => s.Forward(q)));
        Command<GradientComputed>(g =>
        {
            Log.Warning("Run '{0}': a gradient of step {1} from {2} came to the run, not to its shards; dropped.", RunId, g.Step, g.WorkerId);
            g.Gradient.Dispose();
        });
        Command<GradientRefused>(r => Coordinator.Tell(r));
        Command<ShardReduced>(r =>
        {
            if (_run.Reduced(r) is not { } apply)
                return;
            if (_run.Refusal(apply) is { } refused)
            {
                Log.Error("Run '{0}': {1}", RunId, refused.Reason);
                Coordinator.Tell(refused);
            }
            _shards.ForEach(s => s.Tell(apply));
        });
        Command<ShardApplied>(a =>
        {
            var (applied, aborted) = _run.Applied(a);
            if (aborted is not null)
            {
                Log.Error("Run '{0}': {1}", RunId, aborted);
                Abort(aborted, "the run diverged in this session; resume it in a new one");
            }
            else if (applied is not null)
            {
                History.RecordTrainLoss(applied.Step, applied.TrainLoss);
                Coordinator.Tell(applied);
                if (Begin.Checkpoints.Every > 0 && _run.Version % Begin.Checkpoints.Every == 0)
                    SaveCheckpoint();
            }
        });
        Command<Terminated>(t =>
        {
            Log.Error("Run '{0}': {1}", RunId, ShardLost(t));
            Abort(ShardLost(t), "a parameter-server shard failed in this session; resume the run in a new one");
        });
        Command<ShardCollected>(c =>
        {
            TrainingState? state;
            try
            {
                state = _run.Collected(c);
            }
            finally
            {
                c.State.Dispose();
            }
            if (state is not null)
                Save(state);
        });
        Command<RequestCheckpoint>(_ => SaveCheckpoint());
        Command<RecordValidation>(r => History.RecordValidation(r.Step, r.Loss));
        Command<FinishRun>(_ =>
        {
            FinishRequester = Sender;
            SaveCheckpoint();
        });
        CheckpointReplies(step =>
        {
            if (step == _run.Version)
                Finished();
        });
    }

    private string ShardLost(Terminated t) => $"parameter-server {t.ActorRef.Path.Name} of run '{RunId}' failed: {_shardFailure}";

    /// <summary>Collects the current version from every shard unless it is saved, being saved or being collected.</summary>
    private void SaveCheckpoint()
    {
        long step = _run.Version;
        if (!Checkpoints.NeedsSave(step))
        {
            if (Checkpoints.Saving != step)
                Finished();
            return;
        }
        if (_run.Collecting != step)
        {
            var collect = _run.Collect();
            _shards.ForEach(s => s.Tell(collect));
        }
    }
}
