using System.CommandLine;
using System.Globalization;
using RnnCluster.Cli.Running;
using RnnCluster.Core.Checkpoints;
using RnnCluster.Core.Optim;
using RnnCluster.Interop.PyTorch;
using RnnCluster.Interop.Safetensors;
using RnnCluster.Training.Store;

namespace RnnCluster.Cli.Commands;

/// <summary>
/// `import --format safetensors FILE`: a new run in the store whose checkpoint holds weights made
/// elsewhere (PyTorch's state_dict layout), so that `train --resume` fine-tunes them. The run is
/// defined like a new `train` run (corpus, optimizer, batch, …), with the vocabulary and sizes of
/// the file. Everything is checked before the store is opened for writing.
/// </summary>
internal static class ImportCommand
{
    public static Command Create()
    {
        var run = new RunArguments();
        var store = new StoreArguments();
        var file = new Argument<string>("FILE") { Description = "the weights to import" };
        var format = new Option<string>("--format") { Description = "format of FILE: safetensors (PyTorch state_dict layout)", DefaultValueFactory = _ => "safetensors" };
        var vocab = new Option<string?>("--vocab") { Description = "JSON list of the tokens in id order (default: the vocabulary in FILE's metadata)" };
        var command = new Command("import", "Create a run from weights trained elsewhere, to fine-tune with train --resume");
        command.Arguments.Add(file);
        command.Options.Add(format);
        command.Options.Add(vocab);
        run.AddTo(command);
        store.AddTo(command);
        command.SetAction(async p => await CommandRunner.Guard(async () =>
        {
            if (!string.Equals(p.GetValue(format), "safetensors", StringComparison.OrdinalIgnoreCase))
                throw new UsageException($"--format must be safetensors, not '{p.GetValue(format)}' (ONNX files are export-only).");
            if (p.GetValue(run.Resume) is not null)
                throw new UsageException("import creates a new run; continue it afterwards with train --resume.");
            string path = p.GetValue(file)!;
            if (!File.Exists(path))
                throw new UsageException($"There is no file '{path}'.");
            var weights = SafetensorsReader.ReadFile(path);
            var options = new ImportOptions(
                Tokens: RunArguments.Given(p, run.Tokens) ? RunArguments.ParseTokens(p.GetValue(run.Tokens)!) : null,
                Cell: RunArguments.Given(p, run.Cell) ? RunArguments.ParseCell(p.GetValue(run.Cell)!) : null);
            if (p.GetValue(vocab) is { } vocabPath)
                options = options with { Vocabulary = VocabularyJson.Parse(ReadText(vocabPath), options.Tokens ?? TokenizerOf(weights), null, $"--vocab {vocabPath}") };
            var imported = SafetensorsImport.Read(weights, options);

            string runId = p.GetValue(run.RunId) ?? imported.RunId ?? throw new UsageException("The file names no run: give --run-id ID.");
            var storeOptions = store.Read(p);
            // The run's definition as `train --run-id ID` would make it, so that `--resume` accepts it later.
            var plan = await RunPlanner.PlanAsync(p, run, storeOptions, imported: (imported.Model, imported.Vocabulary), defaultRunId: runId);
            var definition = plan.Request.Definition;
            var model = definition.Model.ToModel();
            var settings = definition.Settings.ToSettings();
            var checkpoint = new Checkpoint(runId, imported.Step, model, imported.Vocabulary, settings, imported.Parameters,
                new float[Optimizer.StateSizeFor(settings.Optimizer, imported.Parameters.Length)],
                new CheckpointMetadata(null, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));
            // Validates (finite parameters, sizes) before the store is touched.
            CheckpointFormat.Serialize(checkpoint);
            await using (var writer = await CheckpointStore.OpenAsync(storeOptions))
                await writer.ImportAsync(runId, definition, checkpoint);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"imported {path} as run {runId} at step {imported.Step}: {model}, {imported.Parameters.Length:N0} parameters, corpus {plan.CorpusDescription}"));
            Console.WriteLine($"fine-tune it with: rnncluster train --resume {runId} --steps {imported.Step + 1000} {StoreHint(p, store)}".TrimEnd());
            return ExitCodes.Success;
        }));
        return command;
    }

    private static Core.Text.TokenizerKind TokenizerOf(SafetensorsFile weights) =>
        weights.MetadataValue(ExportMetadata.Tokenizer) == "word" ? Core.Text.TokenizerKind.Word : Core.Text.TokenizerKind.Char;

    private static string ReadText(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"Cannot read --vocab '{path}': {e.Message}");
        }
    }

    private static string StoreHint(ParseResult p, StoreArguments store) =>
        p.GetValue(store.Connection) is { } connection ? $"--connection \"{connection}\""
        : p.GetValue(store.Db) is { } db ? $"--db {db}" : "";
}
