using System.CommandLine;
using RnnCluster.Core.Model;
using RnnCluster.Core.Optim;
using RnnCluster.Core.Text;
using RnnCluster.Training.Wire;

namespace RnnCluster.Cli.Commands;

/// <summary>The options that define a run (shared by `train` and `node`).</summary>
internal sealed class RunArguments
{
    public Option<string?> Corpus { get; } = ConfiguredDefaults.MakeOptional<string>("--corpus", "UTF-8 text file to train on");
    public Option<string?> Dataset { get; } = ConfiguredDefaults.MakeOptional<string>("--dataset", "built-in dataset instead of a file: reber (default), tiny");
    public Option<string> Tokens { get; } = ConfiguredDefaults.Make<string>("--tokens", "char or word", "char");
    public Option<int> MaxVocab { get; } = ConfiguredDefaults.Make<int>("--max-vocab", "word level: vocabulary cap (incl. the unknown token)", WordTokenizer.DefaultMaxVocabularySize);
    public Option<string> Cell { get; } = ConfiguredDefaults.Make<string>("--cell", "lstm, gru or rnn", "lstm");
    public Option<int> Embed { get; } = ConfiguredDefaults.Make<int>("--embed", "embedding size", 64);
    public Option<int> Hidden { get; } = ConfiguredDefaults.Make<int>("--hidden", "hidden units per layer", 256);
    public Option<int> Layers { get; } = ConfiguredDefaults.Make<int>("--layers", "recurrent layers", 2);
    public Option<string> Softmax { get; } = ConfiguredDefaults.Make<string>("--softmax", "output layer: full, or adaptive (clusters of rarer tokens behind smaller projections; faster for large vocabularies)", "full");
    public Option<string?> Cutoffs { get; } = ConfiguredDefaults.MakeOptional<string>("--cutoffs", "adaptive softmax: ascending token ids where the shortlist and each cluster end (default: 10% and 40% of the vocabulary, e.g. 1000,4000)");
    public Option<float> Dropout { get; } = ConfiguredDefaults.Make<float>("--dropout", "dropout after each recurrent layer", 0f);
    public Option<int> Seq { get; } = ConfiguredDefaults.Make<int>("--seq", "window length T (truncated BPTT)", 64);
    public Option<int> Batch { get; } = ConfiguredDefaults.Make<int>("--batch", "global batch: sequences per step", 32);
    public Option<int> MicroBatches { get; } = ConfiguredDefaults.Make<int>("--micro-batches", "micro-batches per step (fixed for the run; at most this many workers are busy)", 2);
    public Option<long?> Steps { get; } = ConfiguredDefaults.MakeNullable<long>("--steps", "total length of the run in steps (a resumed run continues up to it)");
    public Option<double?> Epochs { get; } = ConfiguredDefaults.MakeNullable<double>("--epochs", "total length in epochs instead of steps");
    public Option<string> Optimizer { get; } = ConfiguredDefaults.Make<string>("--optimizer", "adam, adamw, sgd or rmsprop", "adam");
    public Option<float> Lr { get; } = ConfiguredDefaults.Make<float>("--lr", "learning rate", 2e-3f);
    public Option<float> Momentum { get; } = ConfiguredDefaults.Make<float>("--momentum", "sgd/rmsprop momentum", 0.9f);
    public Option<float> WeightDecay { get; } = ConfiguredDefaults.Make<float>("--weight-decay", "weight decay (decoupled for adamw)", 0f);
    public Option<string> Schedule { get; } = ConfiguredDefaults.Make<string>("--schedule", "constant, step or cosine", "constant");
    public Option<int> Warmup { get; } = ConfiguredDefaults.Make<int>("--warmup", "cosine: warm-up steps", 0);
    public Option<int> DecaySteps { get; } = ConfiguredDefaults.Make<int>("--decay-steps", "step: period; cosine: length of the decay", 0);
    public Option<float> DecayFactor { get; } = ConfiguredDefaults.Make<float>("--decay-factor", "step: factor per period", 0.5f);
    public Option<float> Clip { get; } = ConfiguredDefaults.Make<float>("--clip", "global gradient-norm clip (0 = off)", 5f);
    public Option<ulong> Seed { get; } = ConfiguredDefaults.Make<ulong>("--seed", "run seed (initialisation, data order, dropout)", DefaultSeed);

    /// <summary>The run seed when none is given, for `train` and `node` alike (so their runs agree byte for byte).</summary>
    public const ulong DefaultSeed = 1;
    public Option<string> Mode { get; } = ConfiguredDefaults.Make<string>("--mode", "sync (deterministic) or async (stale-synchronous)", "sync");
    public Option<int> Staleness { get; } = ConfiguredDefaults.Make<int>("--staleness", "async: accept gradients at most this many versions old", 1);
    public Option<int> CheckpointEvery { get; } = ConfiguredDefaults.Make<int>("--checkpoint-every", "checkpoint every K steps (0 = only at the end)", 100);
    public Option<int> KeepCheckpoints { get; } = ConfiguredDefaults.Make<int>("--keep-checkpoints", "checkpoints kept per run", 3);
    public Option<int> ValidateEvery { get; } = ConfiguredDefaults.Make<int>("--validate-every", "validation loss every V steps (0 = at the end only)", 0);
    public Option<string?> RunId { get; } = ConfiguredDefaults.MakeOptional<string>("--run-id", "name of a new run (default: run-<date>-<time>)");
    public Option<string?> Resume { get; } = ConfiguredDefaults.MakeOptional<string>("--resume", "continue run ID from its latest checkpoint");
    public Option<double?> MaxSeconds { get; } = ConfiguredDefaults.MakeNullable<double>("--max-seconds", "end the run (with a checkpoint) after this many seconds of training, even before --steps");
    public Option<double> StepTimeout { get; } = ConfiguredDefaults.Make<double>("--step-timeout", "seconds before a step's missing micro-batches are handed out again", 60);
    public Option<string> BackupTasks { get; } = ConfiguredDefaults.Make<string>("--backup-tasks", "sync mode: an idle worker also computes the share expected to finish last; the first copy wins (on or off)", "on");
    public Option<int> PsShards { get; } = ConfiguredDefaults.Make<int>("--ps-shards", "sync mode: parameter-server shards, each holding a contiguous range of the parameters (same bytes for any count)", 1);

    public IEnumerable<Option> All =>
    [
        Corpus, Dataset, Tokens, MaxVocab, Cell, Embed, Hidden, Layers, Softmax, Cutoffs, Dropout, Seq, Batch, MicroBatches, Steps, Epochs,
        Optimizer, Lr, Momentum, WeightDecay, Schedule, Warmup, DecaySteps, DecayFactor, Clip, Seed, Mode, Staleness,
        CheckpointEvery, KeepCheckpoints, ValidateEvery, RunId, Resume, StepTimeout, MaxSeconds, BackupTasks, PsShards,
    ];

    public void AddTo(Command command, bool withSeed = true)
    {
        foreach (var option in All)
            if (withSeed || option != Seed)
                command.Options.Add(option);
    }

    /// <summary>
    /// Ranges and combinations that need neither the corpus nor the store, so they are reported
    /// before either is read. Those that depend on a resumed run's stored values are checked once
    /// the plan has them.
    /// </summary>
    public void Check(ParseResult p)
    {
        if (p.GetValue(Corpus) is not null && p.GetValue(Dataset) is not null)
            throw new UsageException("Give --corpus FILE or --dataset NAME, not both.");
        if (p.GetValue(Steps) is not null && p.GetValue(Epochs) is not null)
            throw new UsageException("Give --steps or --epochs, not both.");
        if (p.GetValue(CheckpointEvery) < 0 || p.GetValue(KeepCheckpoints) < 1)
            throw new UsageException("--checkpoint-every must be >= 0 and --keep-checkpoints >= 1.");
        if (p.GetValue(ValidateEvery) < 0)
            throw new UsageException("--validate-every must be >= 0 (0 = at the end only).");
        // Bounded above because the coordinator holds them as TimeSpans, which overflow near 1e12 s.
        if (p.GetValue(MaxSeconds) is { } limit && !(limit > 0 && limit <= MaxSecondsValue))
            throw new UsageException($"--max-seconds must be a number of seconds > 0 and <= {MaxSecondsValue:0e0}, not {limit}.");
        if (p.GetValue(StepTimeout) is var timeout && !(timeout > 0 && timeout <= MaxSecondsValue))
            throw new UsageException($"--step-timeout must be a number of seconds > 0 and <= {MaxSecondsValue:0e0}, not {timeout}.");
        ParseOnOff(p.GetValue(BackupTasks)!, "--backup-tasks");
        if (p.GetValue(PsShards) < 1)
            throw new UsageException($"--ps-shards must be >= 1, not {p.GetValue(PsShards)}.");
        bool adaptive = ParseSoftmax(p.GetValue(Softmax)!);
        if (p.GetValue(Cutoffs) is { } cutoffs)
        {
            if (Given(p, Softmax) && !adaptive)
                throw new UsageException("--cutoffs belongs to --softmax adaptive, not --softmax full.");
            ParseCutoffs(cutoffs);
        }
    }

    /// <summary>True for adaptive.</summary>
    public static bool ParseSoftmax(string text) => text.ToLowerInvariant() switch
    {
        "full" => false,
        "adaptive" => true,
        _ => throw new UsageException($"--softmax must be full or adaptive, not '{text}'."),
    };

    public static int[] ParseCutoffs(string text)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var cutoffs = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!int.TryParse(parts[i], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out cutoffs[i])
                || cutoffs[i] < 1 || (i > 0 && cutoffs[i] <= cutoffs[i - 1]))
                throw new UsageException($"--cutoffs takes rising positive token ids separated by commas (e.g. 2000,6000), not '{text}'.");
        return cutoffs;
    }

    public static bool ParseOnOff(string text, string option) => text.ToLowerInvariant() switch
    {
        "on" => true,
        "off" => false,
        _ => throw new UsageException($"{option} takes on or off, not '{text}'."),
    };

    private const double MaxSecondsValue = 1e9;

    public static bool Given(ParseResult result, Option option) => result.GetResult(option) is { Implicit: false };

    public static T Value<T>(ParseResult result, Option<T> option) => result.GetValue(option)!;

    public static CellKind ParseCell(string text) => text.ToLowerInvariant() switch
    {
        "lstm" => CellKind.Lstm,
        "gru" => CellKind.Gru,
        "rnn" => CellKind.Rnn,
        _ => throw new UsageException($"--cell must be lstm, gru or rnn, not '{text}'."),
    };

    public static OptimizerKind ParseOptimizer(string text) => text.ToLowerInvariant() switch
    {
        "adam" => OptimizerKind.Adam,
        "adamw" => OptimizerKind.AdamW,
        "sgd" => OptimizerKind.Sgd,
        "rmsprop" => OptimizerKind.RmsProp,
        _ => throw new UsageException($"--optimizer must be adam, adamw, sgd or rmsprop, not '{text}'."),
    };

    public static LrScheduleKind ParseSchedule(string text) => text.ToLowerInvariant() switch
    {
        "constant" => LrScheduleKind.Constant,
        "step" => LrScheduleKind.StepDecay,
        "cosine" => LrScheduleKind.WarmupCosine,
        _ => throw new UsageException($"--schedule must be constant, step or cosine, not '{text}'."),
    };

    public static TokenizerKind ParseTokens(string text) => text.ToLowerInvariant() switch
    {
        "char" => TokenizerKind.Char,
        "word" => TokenizerKind.Word,
        _ => throw new UsageException($"--tokens must be char or word, not '{text}'."),
    };

    public static TrainingMode ParseMode(string text) => text.ToLowerInvariant() switch
    {
        "sync" => TrainingMode.Sync,
        "async" => TrainingMode.Async,
        _ => throw new UsageException($"--mode must be sync or async, not '{text}'."),
    };
}
