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
/// shards directly, and the shards exchange their block sums among themselves before they apply
/// (<see cref="NormExchange"/>); this actor introduces them to each other, reports each step (or a
/// non-finite one: <see cref="ShardedRun"/>), and stitches their ranges into a checkpoint.
/// States: AwaitingBegin → (Loading →) Starting (the shards) → Training (→ Aborted).
/// </summary>
public sealed class ShardedRunActor(string runId, ParameterServerSettings settings) : RunJournalActor(runId, settings)
{
    private readonly List<IActorRef> _shards = new();
    private ShardedRun _run = null!;
    private ShardPeers? _peers;
    private ICancelable? _retry;

    public static Props Props(string runId, ParameterServerSettings settings) => Akka.Actor.Props.Create(() => new ShardedRunActor(runId, settings));

    protected override long Version => _run.Version;

    /// <summary>
    /// Hands every shard its range of <paramref name="state"/>; the run is ready once all hold it.
    /// Shards are entities of the ps nodes' shard region, located first (Cluster Sharding places
    /// them); without a region (an actor system that hosts no ps role's region) they are children.
    /// </summary>
    protected override void Start(TrainingState state, string note)
    {
        _run = new ShardedRun(RunId, state.Model, state.Settings, Begin.Shards, state.Step);
        if (Settings.LedgerPath is not null)
            Log.Warning("Run '{0}': the ledger {1} is not written for a run held by shards.", RunId, Settings.LedgerPath);
        var whole = new float[state.Parameters.Length + state.OptimizerState.Length];
        state.Parameters.CopyTo(whole, 0);
        state.OptimizerState.CopyTo(whole, state.Parameters.Length);
        StartShard StartOf(int k) => new(RunId, k, Begin.Shards, Begin.Definition, state.Step, TensorBlob.CopyOf(whole));
        var shards = new IActorRef?[Begin.Shards];
        var started = new HashSet<int>();
        Akka.Hosting.ActorRegistry.For(Context.System).TryGet<Node.ShardRegionKey>(out var region);
        void LocateMissing()
        {
            for (int k = 0; k < shards.Length; k++)
                if (!started.Contains(k))
                    region!.Tell(new LocateShard(RunId, k));
        }
        if (region is not null)
            LocateMissing();
        else
            for (int k = 0; k < shards.Length; k++)
            {
                shards[k] = Context.Watch(Context.ActorOf(ShardActor.Props(Math.Max(1, Settings.EffectiveThreads / shards.Length)).WithDispatcher(Settings.Dispatcher), $"shard-{k}"));
                Wire.SendTensor(shards[k]!, StartOf(k), Self);
            }
        // A StartShard can be lost with a bulk connection to a node that just restarted on the same
        // port, and a shard can be moved while it starts: ask for the missing ones again until the deadline.
        var deadline = DateTime.UtcNow + Settings.ShardStartTimeout;
        bool Late()
        {
            if (DateTime.UtcNow < deadline)
                return false;
            Refuse($"{shards.Length - started.Count} of the run's {shards.Length} parameter-server shards did not start within " +
                $"{Settings.ShardStartTimeout.TotalSeconds:0} s (parameter-server:shard-start-timeout); is a node with the ps role up and running this version?");
            return true;
        }
        _retry = Context.System.Scheduler.ScheduleTellRepeatedlyCancelable(Settings.ShardStartRetry, Settings.ShardStartRetry, Self, new RetryShards(), Self);
        Become(() =>
        {
            Command<ShardLocated>(located =>
            {
                int k = located.Index;
                if (started.Contains(k) || Late())
                    return;
                if (!Sender.Equals(shards[k]))
                {
                    if (shards[k] is { } previous)
                        Context.Unwatch(previous);
                    shards[k] = Context.Watch(Sender);
                    Log.Info("Run '{0}': shard {1} is on {2}.", RunId, k, Sender.Path.Address);
                }
                Wire.SendTensor(Sender, StartOf(k), Self);
            });
            Command<ShardStarted>(s =>
            {
                if (!Sender.Equals(shards[s.Index]) || !started.Add(s.Index) || started.Count < shards.Length)
                    return;
                _retry?.Cancel();
                _shards.AddRange(shards!);
                _peers = new ShardPeers(RunId, _shards.Select(Akka.Serialization.Serialization.SerializedActorPath).ToArray());
                _shards.ForEach(shard => shard.Tell(_peers));
                Log.Info("Run '{0}' ready at step {1} on {2} shards ({3}).", RunId, _run.Version, _shards.Count, note);
                Coordinator.Tell(new RunReady(RunId, _run.Version, Begin.Resume, note));
                Become(Training);
                Stash.UnstashAll();
            });
            Command<Terminated>(t =>
            {
                int k = Array.FindIndex(shards, s => t.ActorRef.Equals(s));
                if (k < 0)
                    return;
                if (region is null)
                    Refuse(ShardLost(t));
                (shards[k], _) = (null, started.Remove(k)); // located again on the next retry
            });
            Command<RetryShards>(_ =>
            {
                if (!Late())
                    LocateMissing();
            });
            CommandAny(_ => Stash.Stash());
        });
    }

    private void Training()
    {
        Command<BeginRun>(AnswerBeginAgain);
        // A repeated start (asked for again while the first was on its way) made the shard forget its
        // peers, and the peers' list, sent through Akka.Remote, may have overtaken that start.
        Command<ShardStarted>(s =>
        {
            if (Sender.Equals(_shards[s.Index]))
                Sender.Tell(_peers);
        });
        Command<RequestParameters>(r => _shards.ForEach(s => s.Forward(r))); // each shard answers the worker with its slice
        Command<QueryMissing>(q => _shards.ForEach(s => s.Forward(q)));
        Command<GradientComputed>(g =>
        {
            Log.Warning("Run '{0}': a gradient of step {1} from {2} came to the run, not to its shards; dropped.", RunId, g.Step, g.WorkerId);
            g.Gradient.Dispose();
        });
        Command<GradientRefused>(r => // a duplicate share is refused by every shard: shard 0's refusal speaks for all
        {
            if (!r.Reason.StartsWith(GradientRefusals.Overlap, StringComparison.Ordinal) || Sender.Equals(_shards[0]))
                Coordinator.Tell(r);
        });
        Command<ShardReduced>(r =>
        {
            if (_run.Reduced(r) is not { } refused)
                return;
            Log.Error("Run '{0}': {1}", RunId, refused.Reason);
            Coordinator.Tell(refused);
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
            // As when the parameter server's node is lost: the coordinator offers the run again and
            // this run's successor resumes every shard from the latest checkpoint.
            Log.Warning("Run '{0}': {1}; rolling back to the latest checkpoint.", RunId, ShardLost(t));
            Context.Stop(Self);
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
        JournalCommands(SaveCheckpoint, step =>
        {
            if (step == _run.Version)
                Finished();
        });
    }

    private string ShardLost(Terminated t) =>
        $"parameter-server shard {t.ActorRef.Path.Name} of run '{RunId}' at {t.ActorRef.Path.Address} stopped (its node left, or it failed: that node's log says why)";

    /// <summary>Collects the current version from every shard unless it is saved, being saved or being collected.</summary>
    private void SaveCheckpoint()
    {
        if (NeedsCheckpoint()) // asked again for a version being collected: a ShardCollected may have been lost
        {
            var collect = _run.Collect();
            _shards.ForEach(s => s.Tell(collect));
        }
    }

    protected override void PostStop()
    {
        _retry?.Cancel();
        base.PostStop();
    }

    private sealed record RetryShards : INoSerializationVerificationNeeded;
}
