using System.Buffers.Binary;
using RnnCluster.Core.Sampling;
using RnnCluster.Interop.Onnx;
using RnnCluster.Interop.PyTorch;
using RnnCluster.Interop.Safetensors;
using RnnCluster.Training.Node;
using RnnCluster.Training.Store;
using Xunit.Abstractions;

namespace RnnCluster.Cli.Tests;

/// <summary>
/// `checkpoints export --format safetensors|onnx` and `import` as a user runs them: round trips
/// that compare bytes, training resumed from imported weights, greedy text that matches, exports
/// of every kind of run, and damaged files refused with one line, exit 2 and nothing written.
/// </summary>
[Trait(Tier.Name, Tier.Process)]
public sealed class InteropCliTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    private static string[] Tiny(string db, string runId, int steps, params string[] extra) =>
    [
        "train", "--dataset", "tiny", "--embed", "12", "--hidden", "24", "--layers", "2", "--seq", "16", "--batch", "8", "--micro-batches", "2",
        "--lr", "1e-2", "--steps", steps.ToString(), "--db", db, "--run-id", runId, "--plain", "--samples", "0", .. extra,
    ];

    private async Task<CliResult> Run(ScratchDirectory dir, params string[] args)
    {
        var result = await CliProcess.RunAsync(dir.Path, Timeout, args);
        output.WriteLine($"$ rnncluster {string.Join(' ', args)}\n{result}");
        return result;
    }

    private async Task<byte[]> Export(ScratchDirectory dir, string db, string runId, string format)
    {
        string file = dir.File($"{runId}-{Path.GetFileNameWithoutExtension(db)}.{format}");
        var result = await Run(dir, "checkpoints", "export", "--db", db, "--run", runId, "--format", format, "--out", file);
        Assert.True(result.ExitCode == 0, result.ToString());
        return await File.ReadAllBytesAsync(file);
    }

    private async Task<string> Greedy(ScratchDirectory dir, string db, string runId)
    {
        var result = await Run(dir, "generate", "--db", db, "--run", runId, "--temperature", "0", "--length", "200", "--prime", "The ");
        Assert.True(result.ExitCode == 0, result.ToString());
        return result.Output.TrimEnd('\n');
    }

    [Fact]
    public async Task Export_import_export_gives_identical_bytes_and_the_imported_run_generates_and_trains_on()
    {
        using var dir = new ScratchDirectory();
        string a = dir.File("a.db"), b = dir.File("b.db");
        Assert.Equal(0, (await Run(dir, Tiny(a, "lm", 20))).ExitCode);
        var first = await Export(dir, a, "lm", "safetensors");
        string file = dir.File("lm-a.safetensors");

        var imported = await Run(dir, "import", "--format", "safetensors", file, "--db", b, "--dataset", "tiny", "--seq", "16", "--batch", "8", "--micro-batches", "2", "--lr", "1e-2");
        Assert.True(imported.ExitCode == 0, imported.ToString());
        Assert.Contains("as run lm at step 20", imported.Output, StringComparison.Ordinal);
        Assert.Equal(first, await Export(dir, b, "lm", "safetensors"));
        Assert.Equal(await Export(dir, a, "lm", "raw"), await Export(dir, b, "lm", "raw"));

        // `generate --temperature 0` is the same text from either store, and from the file's own
        // tensors read back through the importer.
        string greedy = await Greedy(dir, a, "lm");
        Assert.Equal(greedy, await Greedy(dir, b, "lm"));
        var weights = SafetensorsImport.Read(SafetensorsReader.ReadFile(file), new ImportOptions());
        using (var generator = new TextGenerator(weights.Model, weights.Parameters, weights.Vocabulary))
            Assert.Equal(greedy, generator.Generate(new GenerationOptions(200, 0f, 0, "The ")));

        var printed = await Run(dir, "checkpoints", "export", "--db", b, "--run", "lm", "--format", "safetensors", "--out", dir.File("again.safetensors"), "--print-pytorch");
        Assert.True(printed.ExitCode == 0, printed.ToString());
        Assert.Contains("self.rnn = torch.nn.LSTM(12, 24, 2, batch_first=True)", printed.Output, StringComparison.Ordinal);
        Assert.Contains($"model.load_state_dict(load_file(\"{dir.File("again.safetensors")}\"))", printed.Output, StringComparison.Ordinal);

        var resumed = await Run(dir, "train", "--resume", "lm", "--db", b, "--steps", "30", "--plain", "--samples", "0");
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.StartsWith("run=lm steps=30 ", resumed.LastLine, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_kind_of_run_exports_in_every_format()
    {
        using var dir = new ScratchDirectory();
        string db = dir.File("store.db");
        Assert.Equal(0, (await Run(dir, Tiny(db, "gru-word", 8, "--cell", "gru", "--tokens", "word", "--dropout", "0.2", "--mode", "async"))).ExitCode);
        Assert.Equal(0, (await Run(dir, Tiny(db, "rnn-resumed", 6, "--cell", "rnn", "--checkpoint-every", "3"))).ExitCode);
        Assert.Equal(0, (await Run(dir, "train", "--resume", "rnn-resumed", "--db", db, "--steps", "10", "--plain", "--samples", "0")).ExitCode);
        Assert.Equal(0, (await Run(dir, Tiny(db, "lstm-char", 6))).ExitCode);
        Assert.Equal(0, (await Run(dir, Tiny(db, "lstm-adaptive", 6, "--tokens", "word", "--softmax", "adaptive", "--cutoffs", "60,200"))).ExitCode);
        foreach (var runId in new[] { "gru-word", "rnn-resumed", "lstm-char", "lstm-adaptive" })
        {
            var raw = await Export(dir, db, runId, "raw");
            var safetensors = SafetensorsReader.Read(await Export(dir, db, runId, "safetensors"));
            var onnx = await Export(dir, db, runId, "onnx");
            await using var store = await CheckpointStore.OpenAsync(StoreOptions.Sqlite(db), readOnly: true);
            var c = (await store.LoadAsync(runId)).Checkpoint;
            Assert.Equal(c.Parameters.Length * 4, raw.Length);
            var imported = SafetensorsImport.Read(safetensors, new ImportOptions());
            Assert.Equal(c.Model, imported.Model);
            Assert.Equal(runId == "lstm-adaptive" ? "adaptive(60,200)" : "full", c.Model.Softmax.Describe());
            Assert.Equal(c.Parameters, imported.Parameters);
            // The ONNX file is the library's export of this checkpoint, which OnnxRuntimeParityTests run in ONNX Runtime.
            Assert.Equal(OnnxExport.Serialize(c.Model, c.Vocabulary, c.Parameters, c.RunId, c.Step), onnx);
        }
    }

    public static TheoryData<string, string> DamagedFiles() => new()
    {
        { "wrong-shape", "Tensor 'head.bias' has shape [3]" },
        { "missing-tensor", "Tensor 'rnn.weight_hh_l1' is missing." },
        { "truncated", "is truncated: the tensors need a data section of" },
        { "header-beyond-file", "the header length 1000000 reaches beyond the file" },
        { "vocabulary-size", "The vocabulary has 3 tokens, but embedding.weight and head.weight have" },
    };

    [Theory]
    [MemberData(nameof(DamagedFiles))]
    public async Task A_damaged_file_is_one_error_line_exit_2_and_no_store_written(string damage, string expected)
    {
        using var dir = new ScratchDirectory();
        string file = dir.File($"{damage}.safetensors");
        await File.WriteAllBytesAsync(file, Damaged(damage));
        string[] extra = damage == "vocabulary-size" ? ["--vocab", await Vocabulary(dir, "[\"a\",\"b\",\"c\"]")] : [];
        string db = dir.File("target.db");
        var result = await Run(dir, ["import", "--format", "safetensors", file, "--db", db, "--dataset", "tiny", "--run-id", "x", .. extra]);
        var lines = result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Single(lines);
        Assert.StartsWith("error: ", lines[0], StringComparison.Ordinal);
        Assert.Contains(expected, lines[0], StringComparison.Ordinal);
        Assert.Equal("", result.Output.Trim());
        Assert.False(File.Exists(db), "a refused import must not create the store");
    }

    [Fact]
    public async Task An_import_that_contradicts_the_file_or_takes_an_existing_run_id_is_refused_and_writes_nothing()
    {
        using var dir = new ScratchDirectory();
        string db = dir.File("store.db");
        Assert.Equal(0, (await Run(dir, Tiny(db, "lm", 4))).ExitCode);
        var export = await Export(dir, db, "lm", "safetensors");
        string file = dir.File("lm-store.safetensors");
        var before = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(await File.ReadAllBytesAsync(db)));

        var otherSize = await Run(dir, "import", "--format", "safetensors", file, "--db", db, "--dataset", "tiny", "--run-id", "other", "--hidden", "99");
        Assert.Equal(2, otherSize.ExitCode);
        Assert.Contains("The imported weights are lstm vocab=44 embed=12 hidden=24 layers=2 dropout=0, but the options ask for another model: hidden 24 vs 99.", otherSize.Error, StringComparison.Ordinal);

        var taken = await Run(dir, "import", "--format", "safetensors", file, "--db", db, "--dataset", "tiny");
        Assert.Equal(2, taken.ExitCode);
        Assert.Contains("run 'lm' already exists", taken.Error, StringComparison.Ordinal);

        var onnx = await Run(dir, "import", "--format", "onnx", file, "--db", db, "--run-id", "o");
        Assert.Equal(2, onnx.ExitCode);
        Assert.Contains("ONNX files are export-only", onnx.Error, StringComparison.Ordinal);
        Assert.Equal(before, Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(await File.ReadAllBytesAsync(db))));
        Assert.NotEmpty(export);
    }

    [Fact]
    public async Task Export_options_that_do_not_go_together_are_refused()
    {
        using var dir = new ScratchDirectory();
        var result = await Run(dir, "checkpoints", "export", "--db", dir.File("none.db"), "--run", "r", "--format", "onnx", "--checkpoint", "--out", dir.File("x"));
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--checkpoint writes our own checkpoint file", result.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(dir.File("x")));
    }

    private static async Task<string> Vocabulary(ScratchDirectory dir, string json)
    {
        string path = dir.File("vocab.json");
        await File.WriteAllTextAsync(path, json);
        return path;
    }

    /// <summary>A valid export of a fresh 2-layer LSTM, damaged one way.</summary>
    private static byte[] Damaged(string damage)
    {
        var vocabulary = new Core.Text.Vocabulary(Core.Text.TokenizerKind.Char, ["a", "b", "c", "d"], -1);
        var model = new Core.Model.ModelDescription(Core.Model.CellKind.Lstm, 4, 3, 5, 2, 0f);
        var parameters = Core.Model.ParameterInitializer.Create(new Core.Model.ParameterLayout(model), 1);
        var file = SafetensorsExport.Build(model, vocabulary, parameters, "x", 0);
        switch (damage)
        {
            case "wrong-shape":
                return SafetensorsWriter.Serialize(file with { Tensors = file.Tensors.Select(t => t.Name == "head.bias" ? t with { Shape = [3], Data = t.Data[..3] } : t).ToList() });
            case "missing-tensor":
                return SafetensorsWriter.Serialize(file with { Tensors = file.Tensors.Where(t => t.Name != "rnn.weight_hh_l1").ToList() });
            case "truncated":
                return SafetensorsWriter.Serialize(file)[..^10];
            case "header-beyond-file":
                var bytes = SafetensorsWriter.Serialize(file);
                BinaryPrimitives.WriteUInt64LittleEndian(bytes, 1_000_000);
                return bytes;
            default:
                return SafetensorsWriter.Serialize(file with { Metadata = [] });
        }
    }
}
