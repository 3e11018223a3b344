using System.CommandLine;
using System.Globalization;
using RnnCluster.Core.Checkpoints;
using RnnCluster.Core.Model;
using RnnCluster.Core.Text;
using RnnCluster.Interop;
using RnnCluster.Interop.PyTorch;
using RnnCluster.Training.Store;

namespace RnnCluster.Cli.Commands;

/// <summary>`checkpoints list` and `checkpoints export`.</summary>
internal static class CheckpointsCommand
{
    public static Command Create()
    {
        var command = new Command("checkpoints", "List, inspect and export the checkpoints of runs");
        command.Subcommands.Add(List());
        command.Subcommands.Add(Export());
        return command;
    }

    private static Command List()
    {
        var store = new StoreArguments();
        var run = new Option<string?>("--run") { Description = "only this run" };
        var command = new Command("list", "List runs and their checkpoints");
        store.AddTo(command);
        command.Options.Add(run);
        command.SetAction(async p => await CommandRunner.Guard(async () =>
        {
            var options = store.Read(p);
            // Read-only: listing a store that does not exist yet must not create it.
            await using var reader = await CheckpointStore.OpenAsync(options, readOnly: true);
            var runs = p.GetValue(run) is { } only ? [only] : await reader.ListRunsAsync();
            if (runs.Count == 0)
                Console.WriteLine($"no runs in {options.Describe()}");
            foreach (var id in runs)
            {
                var record = await reader.ReadRunAsync(id) ?? throw new UsageException($"There is no run '{id}' in {options.Describe()}.");
                var model = record.Definition.Model.ToModel();
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{id}: {model}, {new ParameterLayout(model).TotalSize:N0} parameters, {record.Definition.Mode.ToString().ToLowerInvariant()}, corpus {record.Definition.CorpusName}, created {record.CreatedAt.LocalDateTime:yyyy-MM-dd HH:mm:ss}"));
                foreach (var c in record.Checkpoints)
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"  step {c.Step,8}  {c.CreatedAt.LocalDateTime:yyyy-MM-dd HH:mm:ss}  {(c.Available ? "stored" : "deleted (beyond --keep-checkpoints)")}"));
            }
            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command Export()
    {
        var store = new StoreArguments();
        var run = new Option<string>("--run") { Description = "run id", Required = true };
        var step = new Option<long?>("--step") { Description = "checkpoint step (default: the latest readable one)" };
        var output = new Option<string>("--out") { Description = "file to write", Required = true };
        var format = new Option<string>("--format")
        {
            Description = "raw (little-endian float32 in parameter order), safetensors (PyTorch state_dict layout) or onnx (opset 17, states in and out)",
            DefaultValueFactory = _ => "raw",
        };
        var full = new Option<bool>("--checkpoint") { Description = "raw: write the whole checkpoint file (versioned, checksummed) instead of the parameters" };
        var printPyTorch = new Option<bool>("--print-pytorch") { Description = "safetensors: print the lines of PyTorch that load the file" };
        var command = new Command("export", "Write a checkpoint's parameters (raw, safetensors or ONNX) or the whole checkpoint to a file");
        store.AddTo(command);
        foreach (var option in new Option[] { run, step, output, format, full, printPyTorch })
            command.Options.Add(option);
        command.SetAction(async p => await CommandRunner.Guard(async () =>
        {
            string path = p.GetValue(output)!;
            string kind = p.GetValue(format)!.ToLowerInvariant();
            if (!CheckpointExport.Formats.Contains(kind))
                throw new UsageException($"--format must be raw, safetensors or onnx, not '{p.GetValue(format)}'.");
            if (p.GetValue(full) && kind != "raw")
                throw new UsageException("--checkpoint writes our own checkpoint file; it goes with --format raw only.");
            if (p.GetValue(printPyTorch) && kind != "safetensors")
                throw new UsageException("--print-pytorch goes with --format safetensors.");
            if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } directory && !Directory.Exists(directory))
                throw new UsageException($"The directory of --out '{path}' does not exist.");
            await using var reader = await CheckpointStore.OpenAsync(store.Read(p), readOnly: true);
            var loaded = await reader.LoadAsync(p.GetValue(run)!, p.GetValue(step));
            foreach (var skipped in loaded.Skipped)
                Console.Error.WriteLine($"warning: skipped {skipped}");
            var c = loaded.Checkpoint;
            // Into memory first: a refusal (an unsupported model) leaves no file behind.
            var bytes = new MemoryStream();
            CheckpointExport.Write(bytes, c, kind, p.GetValue(full));
            string tmp = path + ".tmp";
            await using (var file = File.Create(tmp))
                bytes.WriteTo(file);
            File.Move(tmp, path, overwrite: true);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"run {c.RunId} step {c.Step}: {c.Parameters.Length:N0} parameters → {path} ({kind}, {new FileInfo(path).Length:N0} bytes)"));
            if (p.GetValue(printPyTorch))
                Console.WriteLine(PyTorchSnippet.For(c.Model, path, words: c.Vocabulary.Kind == TokenizerKind.Word));
            return ExitCodes.Success;
        }));
        return command;
    }
}
