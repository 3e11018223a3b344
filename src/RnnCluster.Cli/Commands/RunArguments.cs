using System.CommandLine;
using System.Globalization;
using RnnCluster.Core.Model;
using RnnCluster.Core.Optim;
using RnnCluster.Core.Text;
using RnnCluster.Training.Actors;
using RnnCluster.Training.Messages;

namespace RnnCluster.Cli.Commands;

/// <summary>The options that define a run (shared by `train` and `node`).</summary>
internal sealed class RunArguments
{
    public Option<string?> Corpus { get; } = new("--corpus") { Description = "UTF-8 text file to train on" };
    public Option<string?> Dataset { get; } = new("--dataset") { Description = "built-in dataset instead of a file: reber (default), tiny" };
    public Option<string> Tokens { get; } = new("--tokens") { Description = "char or word", DefaultValueFactory = _ => "char" };
    public Option<int> MaxVocab { get; } = new("--max-vocab") { Description = "word level: vocabulary cap (incl. the unknown token)", DefaultValueFactory = _ => WordTokenizer.DefaultMaxVocabularySize };
    public Option<string> Cell { get; } = new("--cell") { Description = "lstm, gru or rnn", DefaultValueFactory = _ => "lstm" };
    public Option<int> Embed { get; } = new("--embed") { Description = "embedding size", DefaultValueFactory = _ => 64 };
    public Option<int> Hidden { get; } = new("--hidden") { Description = "hidden units per layer", DefaultValueFactory = _ => 256 };
    public Option<int> Layers { get; } = new("--layers") { Description = "recurrent layers", DefaultValueFactory = _ => 2 };
    public Option<float> Dropout { get; } = new("--dropout") { Description = "dropout after each recurrent layer", DefaultValueFactory = _ => 0f };
    public Option<int> Seq { get; } = new("--seq") { Description = "window length T (truncated BPTT)", DefaultValueFactory = _ => 64 };
    public Option<int> Batch { get; } = new("--batch") { Description = "global batch: sequences per step", DefaultValueFactory = _ => 32 };
    public Option<int> MicroBatches { get; } = new("--micro-batches") { Description = "micro-batches per step (fixed for the run; at most this many workers are busy)", DefaultValueFactory = _ => 2 };
    public Option<long?> Steps { get; } = new("--steps") { Description = "total length of the run in steps (a resumed run continues up to it)" };
    public Option<double?> Epochs { get; } = new("--epochs") { Description = "total length in epochs instead of steps" };
    public Option<string> Optimizer { get; } = new("--optimizer") { Description = "adam, adamw, sgd or rmsprop", DefaultValueFactory = _ => "adam" };
    public Option<float> Lr { get; } = new("--lr") { Description = "learning rate", DefaultValueFactory = _ => 2e-3f };
    public Option<float> Momentum { get; } = new("--momentum") { Description = "sgd/rmsprop momentum", DefaultValueFactory = _ => 0.9f };
    public Option<float> WeightDecay { get; } = new("--weight-decay") { Description = "weight decay (decoupled for adamw)", DefaultValueFactory = _ => 0f };
    public Option<string> Schedule { get; } = new("--schedule") { Description = "constant, step or cosine", DefaultValueFactory = _ => "constant" };
    public Option<int> Warmup { get; } = new("--warmup") { Description = "cosine: warm-up steps", DefaultValueFactory = _ => 0 };
    public Option<int> DecaySteps { get; } = new("--decay-steps") { Description = "step: period; cosine: length of the decay", DefaultValueFactory = _ => 0 };
    public Option<float> DecayFactor { get; } = new("--decay-factor") { Description = "step: factor per period", DefaultValueFactory = _ => 0.5f };
    public Option<float> Clip { get; } = new("--clip") { Description = "global gradient-norm clip (0 = off)", DefaultValueFactory = _ => 5f };
    public Option<ulong> Seed { get; } = new("--seed") { Description = "run seed (initialisation, data order, dropout)", DefaultValueFactory = _ => 1UL };
    public Option<string> Mode { get; } = new("--mode") { Description = "sync (deterministic) or async (stale-synchronous)", DefaultValueFactory = _ => "sync" };
    public Option<int> Staleness { get; } = new("--staleness") { Description = "async: accept gradients at most this many versions old", DefaultValueFactory = _ => 1 };
    public Option<int> CheckpointEvery { get; } = new("--checkpoint-every") { Description = "checkpoint every K steps (0 = only at the end)", DefaultValueFactory = _ => 100 };
    public Option<int> KeepCheckpoints { get; } = new("--keep-checkpoints") { Description = "checkpoints kept per run", DefaultValueFactory = _ => 3 };
    public Option<int> ValidateEvery { get; } = new("--validate-every") { Description = "validation loss every V steps (0 = at the end only)", DefaultValueFactory = _ => 0 };
    public Option<string?> RunId { get; } = new("--run-id") { Description = "name of a new run (default: run-<date>-<time>)" };
    public Option<string?> Resume { get; } = new("--resume") { Description = "continue run ID from its latest checkpoint" };
    public Option<double> StepTimeout { get; } = new("--step-timeout") { Description = "seconds before a step's missing micro-batches are handed out again", DefaultValueFactory = _ => 60 };

    public IEnumerable<Option> All =>
    [
        Corpus, Dataset, Tokens, MaxVocab, Cell, Embed, Hidden, Layers, Dropout, Seq, Batch, MicroBatches, Steps, Epochs,
        Optimizer, Lr, Momentum, WeightDecay, Schedule, Warmup, DecaySteps, DecayFactor, Clip, Seed, Mode, Staleness,
        CheckpointEvery, KeepCheckpoints, ValidateEvery, RunId, Resume, StepTimeout,
    ];

    public void AddTo(Command command)
    {
        foreach (var option in All)
            command.Options.Add(option);
    }

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

    /// <summary>"W@STEP" (repeatable) → worker index → step.</summary>
    public static Dictionary<int, long> ParseFaults(IEnumerable<string> specs, string option)
    {
        var faults = new Dictionary<int, long>();
        foreach (var spec in specs)
        {
            var parts = spec.Split('@');
            if (parts.Length != 2 || !int.TryParse(parts[0], CultureInfo.InvariantCulture, out int worker) || !long.TryParse(parts[1], CultureInfo.InvariantCulture, out long step) || worker < 0 || step < 0)
                throw new UsageException($"{option} takes WORKER@STEP (e.g. 1@25), not '{spec}'.");
            faults[worker] = step;
        }
        return faults;
    }

    public static WorkerFaults FaultsFor(int worker, IReadOnlyDictionary<int, long> crash, IReadOnlyDictionary<int, long> corrupt) =>
        new(crash.TryGetValue(worker, out long c) ? c : null, corrupt.TryGetValue(worker, out long n) ? n : null);
}
