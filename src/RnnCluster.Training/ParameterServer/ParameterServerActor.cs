using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using RnnCluster.Core.Checkpoints;
using RnnCluster.Core.Optim;
using RnnCluster.Core.Steps;
using RnnCluster.Training.Coordinator;
using RnnCluster.Training.Runtime;
using RnnCluster.Training.Store;
using RnnCluster.Training.Wire;
using RnnCluster.Training.Worker;

namespace RnnCluster.Training.ParameterServer;

/// <summary>
/// The authoritative state of one run — parameters, optimizer state, step — and the only place
/// updates are applied. Sync mode: gradients of step s arrive as aligned sub-trees in any order;
/// the fixed-order <see cref="TreeReducer"/> sums them, the optimizer applies the sum, and
/// version s+1 is served to the workers that asked for it. Checkpoints are snapshots; the
/// journal only records that the run exists and where its checkpoints are.
/// </summary>
public sealed class ParameterServerActor : ReceivePersistentActor
{
    private readonly bool _roundTrip = ForcedSerialization.IsOn(Context.System);

    protected override bool AroundReceive(Receive receive, object message) =>
        base.AroundReceive(receive, _roundTrip ? ForcedSerialization.RoundTrip(Context.System, message) : message);

    private readonly string _runId;
    private readonly ParameterServerOptions _options;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Courier _wire = Courier.For(Context.System);

    private RunCreated? _created;
    private readonly List<(long Step, long SequenceNr)> _recorded = new();
    private readonly List<(long Step, long SequenceNr)> _confirmed = new();

    private BeginRun? _begin;
    private TrainingState? _state;
    private TreeReducer? _reducer;
    private RunDefinition? _definition;
    private int _microBatches;
    private double _stepLoss;
    private int _stepTokens;
    private double _reduceMs;
    private readonly List<(int Lo, int Hi, string Worker)> _stepLedger = new();
    private readonly Dictionary<IActorRef, long> _waiting = new();
    private readonly List<float> _trainLosses = new();
    private long _historyStart;
    private readonly List<long> _validationSteps = new();
    private readonly List<double> _validationLosses = new();
    private IActorRef? _coordinator;
    private IActorRef? _finishRequester;
    private long _savingStep = -1;
    private int _maxStaleness;
    private PublishedParameters? _published;

    public ParameterServerActor(string runId, ParameterServerOptions options)
    {
        _runId = runId;
        _options = options;
        PersistenceId = PersistenceIds.ForRun(runId);

        Recover<RunCreated>(e => _created = e);
        Recover<CheckpointRecorded>(e => _recorded.Add((e.Step, LastSequenceNr)));

        AwaitingBegin();
    }

    public override string PersistenceId { get; }

    /// <summary>Checkpoints are loaded explicitly after recovery, newest first, so a corrupt one can be skipped.</summary>
    public override Recovery Recovery => new(SnapshotSelectionCriteria.None);

    public static Props Props(string runId, ParameterServerOptions options) =>
        Akka.Actor.Props.Create(() => new ParameterServerActor(runId, options));

    // ---- before the run starts -------------------------------------------------------------

    private void AwaitingBegin()
    {
        Command<BeginRun>(OnBegin);
        CommandAny(_ => Stash.Stash());
    }

    private void OnBegin(BeginRun begin)
    {
        _begin = begin;
        _coordinator = Sender;
        if (!begin.Resume)
        {
            if (_created is not null)
            {
                Refuse($"run '{_runId}' already exists in the store ({DescribeCheckpoints()}); continue it with --resume {_runId}, or choose another --run-id");
                return;
            }
            Persist(new RunCreated(_runId, begin.Definition, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()), created =>
            {
                _created = created;
                StartFresh(begin.Definition, "new run");
            });
            return;
        }

        if (_created is null)
        {
            Refuse($"there is no run '{_runId}' to resume in this store");
            return;
        }
        var difference = _created.Definition.FirstDifference(begin.Definition);
        if (difference is not null)
        {
            Refuse($"cannot resume run '{_runId}': {difference}; only run-length options (--steps, --epochs, --checkpoint-every, --keep-checkpoints, --workers) may change");
            return;
        }
        if (_recorded.Count == 0)
        {
            StartFresh(begin.Definition, "resumed run had no checkpoint yet: starting again from step 0");
            return;
        }
        Become(Loading);
        LoadNewest(_recorded.Max(r => r.SequenceNr), new List<string>());
    }

    private void Loading()
    {
        Command<CheckpointLoaded>(OnLoaded);
        Command<CheckpointLoadFailed>(m =>
        {
            m.Problems.Add(m.Problem);
            _log.Error("Run '{0}': {1}", _runId, m.Problem);
            if (m.NextBelow > 0)
                LoadNewest(m.NextBelow, m.Problems);
            else
                Refuse($"no usable checkpoint of run '{_runId}': {string.Join("; ", m.Problems)}");
        });
        CommandAny(_ => Stash.Stash());
    }

    private void LoadNewest(long maxSequenceNr, List<string> problems)
    {
        var self = Self;
        var loader = new SnapshotLoader(Context.System);
        string persistenceId = PersistenceId;
        long below = _recorded.Where(r => r.SequenceNr < maxSequenceNr).Select(r => r.SequenceNr).DefaultIfEmpty(0).Max();
        loader.LoadAsync(persistenceId, maxSequenceNr, _options.Timeout).ContinueWith(t =>
        {
            if (t.IsFaulted || t.IsCanceled)
                return (object)new CheckpointLoadFailed($"loading the checkpoint at sequence {maxSequenceNr} failed: {t.Exception?.GetBaseException().Message ?? "timeout"}", below, problems);
            var result = t.Result;
            if (result.Failure is not null)
                return new CheckpointLoadFailed($"checkpoint row at sequence ≤ {maxSequenceNr} is unreadable: {result.Failure.GetBaseException().Message}", below, problems);
            if (result.Snapshot is null)
                return new CheckpointLoadFailed($"no checkpoint row at or below sequence {maxSequenceNr} (deleted?)", 0, problems);
            if (result.Snapshot is not ParameterServerSnapshot snapshot)
                return new CheckpointLoadFailed($"snapshot at sequence {result.Metadata!.SequenceNr} is a {result.Snapshot.GetType().Name}, not a checkpoint", below, problems);
            long seq = result.Metadata!.SequenceNr;
            long next = Math.Min(below, seq - 1);
            string which = _recorded.Where(r => r.SequenceNr == seq).Select(r => $"checkpoint of step {r.Step}").FirstOrDefault() ?? $"checkpoint at sequence {seq}";
            try
            {
                var checkpoint = CheckpointFormat.Deserialize(snapshot.Checkpoint);
                return new CheckpointLoaded(checkpoint, snapshot.History, seq, problems);
            }
            catch (CheckpointException e)
            {
                return new CheckpointLoadFailed($"{which} is corrupt: {e.Message}", next, problems);
            }
        }).PipeTo(self);
    }

    private void OnLoaded(CheckpointLoaded loaded)
    {
        var definition = _begin!.Definition;
        var checkpoint = loaded.Checkpoint;
        var difference = CheckpointCompatibility.FirstDifference(checkpoint, definition.Model.ToModel(), definition.Settings.ToSettings(), definition.Vocabulary.ToVocabulary());
        if (difference is not null)
        {
            Refuse($"cannot resume run '{_runId}' from its checkpoint at step {checkpoint.Step}: {difference}");
            return;
        }
        try
        {
            _state = new TrainingState(checkpoint.Model, checkpoint.Settings, checkpoint.Parameters, checkpoint.OptimizerState, checkpoint.Step);
        }
        catch (ArgumentException e)
        {
            Refuse($"checkpoint of run '{_runId}' at step {checkpoint.Step} does not match its settings: {e.Message}");
            return;
        }
        RestoreHistory(loaded.History, checkpoint.Step);
        _confirmed.AddRange(_recorded.Where(r => r.SequenceNr <= loaded.SequenceNr));
        string note = loaded.Problems.Count == 0
            ? $"resumed from the checkpoint at step {checkpoint.Step}"
            : $"resumed from the checkpoint at step {checkpoint.Step}, skipping: {string.Join("; ", loaded.Problems)}";
        if (loaded.Problems.Count > 0)
            _log.Warning("Run '{0}': {1}", _runId, note);
        Ready(definition, note);
    }

    private void StartFresh(RunDefinition definition, string note)
    {
        _state = TrainingState.Initial(definition.Model.ToModel(), definition.Settings.ToSettings());
        Ready(definition, note);
    }

    private void Ready(RunDefinition definition, string note)
    {
        _definition = definition;
        _microBatches = definition.Settings.MicroBatches;
        _reducer = new TreeReducer(_microBatches, GradientParts.For(_state!.Layout));
        _log.Info("Run '{0}' ready at step {1} ({2}).", _runId, _state.Step, note);
        _coordinator!.Tell(new RunReady(_runId, _state.Step, _begin!.Resume, note));
        Become(Training);
        Stash.UnstashAll();
    }

    private void Refuse(string reason)
    {
        _log.Error("Run '{0}' refused: {1}", _runId, reason);
        Sender.Tell(new RunRefused(_runId, reason));
        _coordinator?.Tell(new RunRefused(_runId, reason));
        // Forget everything: a later BeginRun recovers from the store again.
        Context.Stop(Self);
    }

    // ---- training ----------------------------------------------------------------------------

    private void Training()
    {
        Command<BeginRun>(begin =>
        {
            // A restarted coordinator asks again: same definition → tell it where we are.
            _coordinator = Sender;
            var difference = _definition!.FirstDifference(begin.Definition);
            if (difference is not null)
                Sender.Tell(new RunRefused(_runId, $"run '{_runId}' is running with another definition: {difference}"));
            else
                Sender.Tell(new RunReady(_runId, _state!.Step, true, "already running"));
        });
        Command<GradientComputed>(g =>
        {
            try
            {
                OnGradient(g);
            }
            finally
            {
                TensorPool.Return(g.Gradient); // consumed (copied into the reduction) or refused
            }
        });
        Command<RequestParameters>(OnRequestParameters);
        Command<QueryMissing>(q => Sender.Tell(new MissingMicroBatches(_runId, _state!.Step,
            q.Step == _state.Step ? Enumerable.Range(0, _microBatches).Where(m => !_reducer!.HasReceived(m)).ToArray() : [])));
        Command<RequestCheckpoint>(_ => SaveCheckpoint());
        Command<RecordValidation>(r =>
        {
            _validationSteps.Add(r.Step);
            _validationLosses.Add(r.Loss);
        });
        Command<FinishRun>(_ =>
        {
            _finishRequester = Sender;
            if (_confirmed.Count > 0 && _confirmed[^1].Step == _state!.Step)
                FinishConfirmed();
            else
                SaveCheckpoint();
        });
        Command<SaveSnapshotSuccess>(OnSnapshotSaved);
        Command<SaveSnapshotFailure>(f =>
        {
            _savingStep = -1;
            _log.Error(f.Cause, "Run '{0}': saving the checkpoint at sequence {1} failed; older checkpoints are kept.", _runId, f.Metadata.SequenceNr);
            if (_finishRequester is not null)
                _finishRequester.Tell(new RunRefused(_runId, $"the final checkpoint could not be saved: {f.Cause.Message}"));
        });
        Command<DeleteSnapshotSuccess>(_ => { });
        Command<DeleteSnapshotFailure>(f => _log.Warning("Run '{0}': deleting an old checkpoint failed: {1}", _runId, f.Cause.Message));
    }

    private void OnGradient(GradientComputed g)
    {
        var state = _state!;
        if (_definition!.Mode == TrainingMode.Async)
        {
            OnAsyncGradient(g);
            return;
        }
        if (g.Step != state.Step)
        {
            // A gradient of a past step exists only when its share was handed out again: its
            // worker was lost (crashed, cut off, downed) or missed the step deadline. Such a worker
            // may deliver it long after, e.g. a node whose network comes back (its bulk connection
            // is plain TCP, outside remoting's quarantine); the version check drops it, visibly.
            if (g.Step < state.Step)
                _log.Warning("Run '{0}': ignores a stale gradient of step {1} {2} from worker {3}: the run is at step {4} (that share was handed out again).",
                    _runId, g.Step, new TreeNode(g.Lo, g.Hi), g.WorkerId, state.Step);
            else
                _log.Debug("Run '{0}': gradient of step {1} [{2},{3}) from {4} is ahead of the run's step {5}; ignored.", _runId, g.Step, g.Lo, g.Hi, g.WorkerId, state.Step);
            return;
        }
        StepTrace.Mark(StepTrace.GradientReceived, g.Step);
        var node = new TreeNode(g.Lo, g.Hi);
        string? problem = CheckGradient(g, node);
        if (problem is not null)
        {
            _log.Warning("Run '{0}': refused the gradient of step {1} {2} from worker {3}: {4}", _runId, g.Step, node, g.WorkerId, problem);
            _coordinator?.Tell(new GradientRefused(_runId, g.Step, g.Lo, g.Hi, g.WorkerId, problem));
            return;
        }
        var clock = Stopwatch.StartNew();
        // Each part on its own: a worker that died between two parts of a share leaves some parts
        // in, and the share's re-run then brings those parts again as duplicates.
        var result = _reducer!.Add(node, g.Offset, FloatBytes.View(g.Gradient));
        _reduceMs += clock.Elapsed.TotalMilliseconds;
        if (result.Added == 0 || result.Overlaps > 0)
        {
            _log.Warning("Run '{0}': gradient of step {1} {2} [{3}] from {4} overlaps micro-batches already received; refused.",
                _runId, g.Step, node, PartsOf(g), g.WorkerId);
            _coordinator?.Tell(new GradientRefused(_runId, g.Step, g.Lo, g.Hi, g.WorkerId, GradientRefusals.Overlap));
        }
        if (result.AddedFirstPart)
        {
            _stepLedger.Add((g.Lo, g.Hi, g.WorkerId));
            _stepLoss += g.LossSum;
            _stepTokens += g.Tokens;
        }
        if (_reducer.IsComplete)
            ApplyStep();
    }

    private string? CheckGradient(GradientComputed g, TreeNode node)
    {
        if (!ReductionTree.IsNode(node, _microBatches))
            return $"{node} is not an aligned sub-tree of the reduction over {_microBatches} micro-batches";
        if (g.Gradient.Length % 4 != 0 || _reducer!.Parts.Span(g.Offset, g.Gradient.Length / 4) is null)
            return $"gradient values {PartsOf(g)} are not whole parts ({_reducer!.Parts}) of the model's gradient; the model has {_state!.Layout.TotalSize}";
        if (!Core.Kernels.FiniteCheck.All(FloatBytes.View(g.Gradient)))
            return "the gradient holds NaN or infinite values";
        if (!double.IsFinite(g.LossSum))
            return $"the loss is {g.LossSum}";
        return null;
    }

    private static string PartsOf(GradientComputed g) => $"[{g.Offset},{(long)g.Offset + g.Gradient.Length / 4})";

    private void ApplyStep()
    {
        var state = _state!;
        long step = state.Step;
        StepTrace.Mark(StepTrace.ApplyStarted, step);
        var clock = Stopwatch.StartNew();
        UpdateResult update;
        try
        {
            update = state.ApplyInPlace(_reducer!.MutableResult);
        }
        catch (NonFiniteGradientException e)
        {
            // Each part was finite but the sum overflowed: nothing was applied; the coordinator decides.
            _log.Error("Run '{0}': {1}", _runId, e.Message);
            _coordinator?.Tell(new GradientRefused(_runId, step, 0, _microBatches, "parameter-server", e.Message));
            ResetStep();
            return;
        }
        if (!AfterUpdateStillFinite(step))
            return;
        double applyMs = clock.Elapsed.TotalMilliseconds;
        double loss = _stepLoss / Math.Max(1, _stepTokens);
        RecordTrainLoss(step, loss);
        WriteLedger(step);
        _coordinator?.Tell(new StepApplied(_runId, step, loss, update.GradientNorm, update.LearningRate, _reduceMs, applyMs, 0));
        ResetStep();
        StepTrace.Mark(StepTrace.Applied, step);
        PublishToWaiters();
        StepTrace.Mark(StepTrace.Published, step);
        int every = _begin!.Checkpoints.Every;
        if (every > 0 && state.Step % every == 0)
            SaveCheckpoint();
    }

    /// <summary>
    /// Finite gradients can still push parameters to ±∞ (a learning rate far too large). Such a
    /// state must never be served or saved: the run stops and its last checkpoint stays the good one.
    /// </summary>
    private bool AfterUpdateStillFinite(long step)
    {
        if (Core.Kernels.FiniteCheck.All(_state!.Parameters))
            return true;
        string reason = $"training diverged: the update of step {step} made the parameters non-finite (learning rate {_state.Settings.Optimizer.LearningRate} too large?)";
        _log.Error("Run '{0}': {1}", _runId, reason);
        _coordinator?.Tell(new RunAborted(_runId, reason));
        Become(Aborted);
        return false;
    }

    private void Aborted()
    {
        Command<BeginRun>(_ => Sender.Tell(new RunRefused(_runId, "the run diverged in this session; resume it in a new one")));
        CommandAny(_ => { });
    }

    private void WriteLedger(long step)
    {
        if (_options.LedgerPath is null)
            return;
        var nodes = string.Join(",", _stepLedger.OrderBy(n => n.Lo).Select(n => $"[{n.Lo},{n.Hi},\"{n.Worker}\"]"));
        File.AppendAllText(_options.LedgerPath, $"{{\"run\":\"{_runId}\",\"step\":{step},\"nodes\":[{nodes}]}}\n");
    }

    private void ResetStep()
    {
        _stepLedger.Clear();
        _reducer!.Reset();
        _stepLoss = 0;
        _stepTokens = 0;
        _reduceMs = 0;
    }

    private void OnAsyncGradient(GradientComputed g)
    {
        var state = _state!;
        long staleness = state.Step - g.ParameterVersion;
        string? problem = staleness > _definition!.Staleness
            ? null
            : g.Gradient.Length != 4L * state.Layout.TotalSize || g.Offset != 0
                ? $"gradient values {PartsOf(g)}: asynchronous mode takes the whole gradient; the model has {state.Layout.TotalSize}"
                : !Core.Kernels.FiniteCheck.All(FloatBytes.View(g.Gradient)) ? "the gradient holds NaN or infinite values" : null;
        bool accepted = staleness <= _definition.Staleness && problem is null && staleness >= 0;
        if (problem is not null)
        {
            _log.Warning("Run '{0}': refused the async gradient {1} from worker {2}: {3}", _runId, g.Step, g.WorkerId, problem);
            _coordinator?.Tell(new GradientRefused(_runId, g.Step, g.Lo, g.Hi, g.WorkerId, problem));
        }
        if (accepted)
        {
            long step = state.Step;
            var clock = Stopwatch.StartNew();
            UpdateResult update;
            try
            {
                // One micro-batch per update: scale its share (1/(B·T)) up to the mean over its own tokens.
                update = state.Apply(FloatBytes.View(g.Gradient), scale: _microBatches);
            }
            catch (NonFiniteGradientException e)
            {
                _coordinator?.Tell(new GradientRefused(_runId, g.Step, g.Lo, g.Hi, g.WorkerId, e.Message));
                SendVerdict(g.Step, accepted: false);
                return;
            }
            if (!AfterUpdateStillFinite(step))
                return;
            _maxStaleness = Math.Max(_maxStaleness, (int)staleness);
            double loss = g.LossSum / Math.Max(1, g.Tokens);
            RecordTrainLoss(step, loss);
            _coordinator?.Tell(new StepApplied(_runId, step, loss, update.GradientNorm, update.LearningRate, 0, clock.Elapsed.TotalMilliseconds, _maxStaleness));
            int every = _begin!.Checkpoints.Every;
            if (every > 0 && state.Step % every == 0)
                SaveCheckpoint();
        }
        else if (problem is null)
        {
            _log.Debug("Run '{0}': rejected async gradient {1} from {2}: staleness {3} > {4}.", _runId, g.Step, g.WorkerId, staleness, _definition.Staleness);
            _coordinator?.Tell(new GradientRefused(_runId, g.Step, g.Lo, g.Hi, g.WorkerId, $"{GradientRefusals.Stale}: computed at version {g.ParameterVersion}, the server is at {state.Step} (bound {_definition.Staleness})"));
        }
        SendVerdict(g.Step, accepted);
    }

    private void RecordTrainLoss(long step, double loss)
    {
        if (_trainLosses.Count == 0)
            _historyStart = step;
        long index = step - _historyStart;
        if (index == _trainLosses.Count)
            _trainLosses.Add((float)loss);
    }

    private void RestoreHistory(TrainingHistory history, long step)
    {
        _historyStart = history.FirstStep;
        var losses = FloatBytes.View(history.TrainLosses);
        int keep = (int)Math.Clamp(step - history.FirstStep, 0, losses.Length);
        _trainLosses.AddRange(losses[..keep].ToArray());
        for (int i = 0; i < history.ValidationSteps.Length; i++)
        {
            if (history.ValidationSteps[i] > step)
                continue;
            _validationSteps.Add(history.ValidationSteps[i]);
            _validationLosses.Add(history.ValidationLosses[i]);
        }
    }

    private void OnRequestParameters(RequestParameters request)
    {
        long current = _state!.Step;
        if (_definition!.Mode == TrainingMode.Async || request.Version <= current)
            SendParameters(Sender);
        else
            _waiting[Sender] = request.Version;
    }

    private void PublishToWaiters()
    {
        long current = _state!.Step;
        foreach (var (worker, version) in _waiting.ToArray())
        {
            if (version > current)
                continue;
            SendParameters(worker);
            _waiting.Remove(worker);
        }
    }

    private void SendParameters(IActorRef worker)
    {
        var blob = Published();
        _wire.SendTensor(worker, new ParametersAvailable(_runId, _state!.Step, blob), blob, Self);
    }

    private void SendVerdict(long sequence, bool accepted)
    {
        var blob = Published();
        _wire.SendTensor(Sender, new AsyncVerdict(_runId, sequence, accepted, _state!.Step, blob), blob, Self);
    }

    /// <summary>
    /// The current parameters as a blob with one more owner, for one recipient. A version is copied
    /// once, however many workers get it: the copies were the server's own work on the critical
    /// path of every step (≈ 0.6 ms each for config b), one per worker.
    /// </summary>
    private byte[] Published()
    {
        var state = _state!;
        if (_published is not { } published || !ReferenceEquals(published.State, state) || published.Step != state.Step)
        {
            TensorPool.Return(_published?.Blob);
            _published = published = new PublishedParameters(state, state.Step, FloatBytes.Pooled(state.Parameters));
        }
        TensorPool.AddOwner(published.Blob);
        return published.Blob;
    }

    /// <summary>The blob of one parameter version; this actor is one of its owners until the version changes.</summary>
    private sealed record PublishedParameters(TrainingState State, long Step, byte[] Blob);

    // ---- checkpoints -------------------------------------------------------------------------

    private void SaveCheckpoint()
    {
        var state = _state!;
        if (_savingStep == state.Step || (_confirmed.Count > 0 && _confirmed[^1].Step == state.Step))
        {
            if (_finishRequester is not null && _savingStep != state.Step)
                FinishConfirmed();
            return;
        }
        var clock = Stopwatch.StartNew();
        var definition = _definition!;
        byte[] bytes;
        try
        {
            bytes = CheckpointFormat.Serialize(new Checkpoint(_runId, state.Step, state.Model, definition.Vocabulary.ToVocabulary(), state.Settings,
                state.Parameters, state.OptimizerState,
                new CheckpointMetadata(_trainLosses.Count > 0 ? _trainLosses[^1] : null, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds())));
        }
        catch (CheckpointException e)
        {
            _log.Error("Run '{0}': the state at step {1} cannot be checkpointed: {2}", _runId, state.Step, e.Message);
            _finishRequester?.Tell(new RunRefused(_runId, $"the state at step {state.Step} cannot be checkpointed: {e.Message}"));
            return;
        }
        var history = new TrainingHistory(_historyStart, FloatBytes.From(_trainLosses.ToArray()), _validationSteps.ToArray(), _validationLosses.ToArray());
        long step = state.Step;
        _savingStep = step;
        double serializeMs = clock.Elapsed.TotalMilliseconds;
        Persist(new CheckpointRecorded(_runId, step, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()), recorded =>
        {
            _recorded.Add((recorded.Step, LastSequenceNr));
            SaveSnapshot(new ParameterServerSnapshot(bytes, history));
            _log.Debug("Run '{0}': checkpoint of step {1} serialized in {2:F1} ms, sent to the store.", _runId, step, serializeMs);
        });
    }

    private void OnSnapshotSaved(SaveSnapshotSuccess success)
    {
        long seq = success.Metadata.SequenceNr;
        var record = _recorded.LastOrDefault(r => r.SequenceNr == seq);
        _confirmed.Add((record.Step, seq));
        if (_savingStep == record.Step)
            _savingStep = -1;
        _log.Info("Run '{0}': checkpoint of step {1} saved.", _runId, record.Step);
        _coordinator?.Tell(new CheckpointSaved(_runId, record.Step, 0));
        // Only now, with a newer checkpoint confirmed, may the oldest beyond the kept N go.
        int keep = Math.Max(1, _begin!.Checkpoints.Keep);
        while (_confirmed.Count > keep)
        {
            var old = _confirmed[0];
            _confirmed.RemoveAt(0);
            DeleteSnapshot(old.SequenceNr);
        }
        if (_finishRequester is not null && record.Step == _state!.Step)
            FinishConfirmed();
    }

    private void FinishConfirmed()
    {
        _finishRequester!.Tell(new RunFinished(_runId, _state!.Step));
        _finishRequester = null;
    }

    private string DescribeCheckpoints() =>
        _recorded.Count == 0 ? "no checkpoint yet" : $"last checkpoint at step {_recorded.Max(r => r.Step)}";

    protected override void PostStop()
    {
        _reducer?.Dispose();
        TensorPool.Return(_published?.Blob);
        _published = null;
        base.PostStop();
    }

    private sealed record CheckpointLoaded(Checkpoint Checkpoint, TrainingHistory History, long SequenceNr, List<string> Problems) : INoSerializationVerificationNeeded;

    private sealed record CheckpointLoadFailed(string Problem, long NextBelow, List<string> Problems) : INoSerializationVerificationNeeded;
}
