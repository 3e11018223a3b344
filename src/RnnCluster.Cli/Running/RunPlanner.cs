using System.CommandLine;
using RnnCluster.Cli.Commands;
using RnnCluster.Core.Data;
using RnnCluster.Core.Model;
using RnnCluster.Core.Optim;
using RnnCluster.Core.Text;
using RnnCluster.Training.Coordinator;
using RnnCluster.Training.Node;
using RnnCluster.Training.ParameterServer;
using RnnCluster.Training.Store;
using RnnCluster.Training.Wire;
using RnnCluster.Training.Worker;

namespace RnnCluster.Cli.Running;

/// <summary>
/// Turns `train`/`node` options into a <see cref="RunRequest"/>. A resumed run starts from its
/// stored definition: options not given keep the stored values, options given must match them.
/// Everything the parameter server would refuse once the cluster is up (an existing or unknown
/// run, a changed trajectory) is refused here first, as a usage error.
/// </summary>
internal static class RunPlanner
{
    /// <param name="startsRun">
    /// False where the plan only tells a worker node what to expect: the run is the coordinator's,
    /// and whether its id is new is not this process's question.
    /// </param>
    /// <param name="imported">
    /// Weights made elsewhere (`import`): their vocabulary is the run's, and their sizes are the
    /// defaults of the model options, which may only repeat them.
    /// </param>
    /// <param name="defaultRunId">The run id when --run-id is not given (an import's file names one).</param>
    public static async Task<RunPlan> PlanAsync(ParseResult p, RunArguments a, StoreOptions? store, ulong? runSeed = null, bool startsRun = true,
        (ModelDescription Model, Vocabulary Vocabulary)? imported = null, string? defaultRunId = null)
    {
        string? resume = p.GetValue(a.Resume);
        string runId = resume ?? p.GetValue(a.RunId) ?? defaultRunId ?? $"run-{DateTime.Now:yyyyMMdd-HHmmss}";
        if (resume is not null && p.GetValue(a.RunId) is { } other && other != resume)
            throw new UsageException($"--run-id {other} and --resume {resume} name different runs.");
        if (runId.Length == 0 || runId.Length > 100 || runId.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c is '/' or '\\'))
            throw new UsageException($"Run id '{runId}' must be 1–100 characters without spaces or slashes.");
        a.Check(p);
        RunDefinition? stored = null;
        CheckpointPolicy? storedPolicy = null;
        if (resume is not null)
        {
            if (store is null)
                throw new UsageException("--resume needs the run's store: give --db FILE or --connection STRING.");
            var record = await RunStoreCheck.ReadResumedAsync(store, resume);
            (stored, storedPolicy) = (record.Definition, record.Policy);
        }

        var (text, corpusName) = LoadCorpus(p, a, stored);
        var vocabulary = imported?.Vocabulary ?? (stored is not null && !RunArguments.Given(p, a.Tokens)
            ? stored.Vocabulary.ToVocabulary()
            : null);
        ITokenizer tokenizer;
        if (vocabulary is not null)
        {
            tokenizer = TokenizerFactory.Create(vocabulary);
        }
        else
        {
            var kind = RunArguments.ParseTokens(p.GetValue(a.Tokens)!);
            tokenizer = TokenizerFactory.Build(kind, text, p.GetValue(a.MaxVocab));
        }
        int[] tokens;
        try
        {
            tokens = tokenizer.Encode(text);
        }
        catch (ArgumentException e)
        {
            throw new CorpusException($"{corpusName} cannot be encoded with the run's vocabulary: {e.Message}");
        }
        var split = TrainValidationSplit.Create(tokens);

        var storedModel = stored?.Model.ToModel() ?? imported?.Model;
        var storedSettings = stored?.Settings.ToSettings();
        var model = new ModelDescription(
            Pick(p, a.Cell, storedModel?.Cell, RunArguments.ParseCell),
            tokenizer.Vocabulary.Count,
            Pick(p, a.Embed, storedModel?.Embed),
            Pick(p, a.Hidden, storedModel?.Hidden),
            Pick(p, a.Layers, storedModel?.Layers),
            Pick(p, a.Dropout, storedModel?.Dropout)) { Softmax = PickSoftmax(p, a, storedModel, tokenizer.Vocabulary.Count) };
        try { model.Validate(); }
        catch (ArgumentException e) { throw new UsageException(e.Message); }
        if (imported is { Model: var weights } && weights.FirstDifference(model with { Dropout = weights.Dropout }) is { } mismatch)
            throw new UsageException($"The imported weights are {weights}, but the options ask for another model: {mismatch}.");

        var optimizer = new OptimizerSettings(
            Pick(p, a.Optimizer, storedSettings?.Optimizer.Kind, RunArguments.ParseOptimizer),
            Pick(p, a.Lr, storedSettings?.Optimizer.LearningRate),
            WeightDecay: Pick(p, a.WeightDecay, storedSettings?.Optimizer.WeightDecay),
            Momentum: Pick(p, a.Momentum, storedSettings?.Optimizer.Momentum));
        var schedule = new LrSchedule(
            Pick(p, a.Schedule, storedSettings?.Schedule.Kind, RunArguments.ParseSchedule),
            Pick(p, a.Warmup, storedSettings?.Schedule.WarmupSteps),
            Pick(p, a.DecaySteps, storedSettings?.Schedule.DecaySteps),
            Pick(p, a.DecayFactor, storedSettings?.Schedule.DecayFactor));
        var settings = new TrainingSettings(
            runSeed ?? RunSeed(p, a, storedSettings?.Seed),
            Pick(p, a.Seq, storedSettings?.SeqLen),
            Pick(p, a.Batch, storedSettings?.Batch),
            Pick(p, a.MicroBatches, storedSettings?.MicroBatches),
            optimizer, schedule,
            Pick(p, a.Clip, storedSettings?.ClipNorm));
        try { settings.Validate(); }
        catch (ArgumentException e) { throw new UsageException(e.Message); }

        CorpusLoader.EnsureLongEnough(split.TrainCount, settings.SeqLen, $"The training part (90%) of {corpusName}");
        var mode = Pick(p, a.Mode, stored?.Mode, RunArguments.ParseMode);
        int staleness = Pick(p, a.Staleness, stored?.Staleness);
        if (staleness < 0)
            throw new UsageException("--staleness must be >= 0.");
        int shards = CheckShards(p.GetValue(a.PsShards), mode, model);
        var train = split.Train.ToArray();
        var validation = split.ValidationWithContext.ToArray();
        var definition = new RunDefinition(ModelWire.From(model), VocabularyWire.From(tokenizer.Vocabulary), SettingsWire.From(settings),
            CorpusFingerprint.Of(train, validation), train.Length, validation.Length, mode, staleness, corpusName);
        if (stored is not null)
            RunStoreCheck.EnsureResumable(runId, stored, definition);

        long windows = Math.Max(1, (train.Length - 1) / settings.SeqLen);
        long? steps = p.GetValue(a.Steps);
        double? epochs = p.GetValue(a.Epochs);
        long targetSteps = steps ?? (epochs is { } epochCount ? (long)Math.Ceiling(epochCount * windows / settings.Batch) : 1000);
        if (targetSteps < 1)
            throw new UsageException("The run must have at least one step.");
        if (resume is null && startsRun && store is not null)
            await RunStoreCheck.EnsureNewAsync(store, runId);

        var request = new RunRequest(runId, definition, train, validation, resume is not null, targetSteps,
            new CheckpointPolicy(Pick(p, a.CheckpointEvery, storedPolicy?.Every), Pick(p, a.KeepCheckpoints, storedPolicy?.Keep)), MinWorkers: 1, p.GetValue(a.ValidateEvery), TimeSpan.FromSeconds(Math.Max(1, p.GetValue(a.StepTimeout))),
            p.GetValue(a.MaxSeconds) is { } limit ? TimeSpan.FromSeconds(limit) : null,
            BackupTasks: RunArguments.ParseOnOff(p.GetValue(a.BackupTasks)!, "--backup-tasks"), ParameterServerShards: shards);
        return new RunPlan(request, tokenizer.Vocabulary, $"{corpusName} ({tokens.Length:N0} tokens, vocabulary {tokenizer.Vocabulary.Count})", windows);
    }

    /// <summary>--ps-shards: sync mode only, and no more shards than the model has norm blocks.</summary>
    private static int CheckShards(int shards, TrainingMode mode, ModelDescription model)
    {
        if (shards > 1 && mode == TrainingMode.Async)
            throw new UsageException($"--ps-shards {shards} needs --mode sync: an async run has one parameter server.");
        int parameters = new ParameterLayout(model).TotalSize, most = ShardRanges.MaxShards(parameters);
        if (shards > most)
            throw new UsageException($"--ps-shards {shards} is too many for this model: shards hold whole blocks of {BlockNorm.BlockSize:N0} values, so its {parameters:N0} parameters allow at most {most}.");
        return shards;
    }

    /// <summary>--softmax/--cutoffs, or the stored run's when neither is given.</summary>
    private static SoftmaxHead PickSoftmax(ParseResult p, RunArguments a, ModelDescription? stored, int vocab)
    {
        if (stored is not null && !RunArguments.Given(p, a.Softmax) && p.GetValue(a.Cutoffs) is null)
            return stored.Softmax;
        bool adaptive = RunArguments.ParseSoftmax(p.GetValue(a.Softmax)!) || p.GetValue(a.Cutoffs) is not null;
        if (!adaptive)
            return SoftmaxHead.Full;
        if (vocab < 3)
            throw new UsageException($"--softmax adaptive needs a vocabulary of at least 3 tokens; this one has {vocab}.");
        return SoftmaxHead.Adaptive(p.GetValue(a.Cutoffs) is { } given ? RunArguments.ParseCutoffs(given) : SoftmaxHead.DefaultCutoffs(vocab));
    }

    private static (string Text, string Name) LoadCorpus(ParseResult p, RunArguments a, RunDefinition? stored)
    {
        string? file = p.GetValue(a.Corpus);
        string? dataset = p.GetValue(a.Dataset);
        if (file is null && dataset is null && stored is not null)
        {
            if (BuiltInDatasets.TryGet(stored.CorpusName, out _))
                dataset = stored.CorpusName;
            else if (File.Exists(stored.CorpusName))
                file = stored.CorpusName;
            else
                throw new UsageException($"The run was trained on '{stored.CorpusName}', which is not here; pass --corpus FILE with the same text.");
        }
        if (file is not null)
            return (CorpusLoader.Load(file), Path.GetFullPath(file));
        dataset ??= BuiltInDatasets.Reber;
        try
        {
            return (BuiltInDatasets.Get(dataset), dataset);
        }
        catch (ArgumentException e)
        {
            throw new UsageException(e.Message);
        }
    }

    // `node` has no --seed option of its own (there --seed names seed nodes); an unparsed option
    // would read as 0, so it falls back to the stored seed or the same default as `train`.
    private static ulong RunSeed(ParseResult p, RunArguments a, ulong? stored) =>
        p.GetResult(a.Seed) is null ? stored ?? RunArguments.DefaultSeed : Pick(p, a.Seed, stored);

    private static T Pick<T>(ParseResult p, Option<T> option, T? stored) where T : struct =>
        RunArguments.Given(p, option) || stored is null ? p.GetValue(option) : stored.Value;

    private static TOut Pick<TOut>(ParseResult p, Option<string> option, TOut? stored, Func<string, TOut> parse) where TOut : struct =>
        RunArguments.Given(p, option) || stored is null ? parse(p.GetValue(option)!) : stored.Value;
}
