using System.Diagnostics;
using System.Text.Json;
using Xunit.Abstractions;

namespace RnnCluster.Cli.Tests;

/// <summary>
/// libtorch's own LSTM (TorchSharp, the peer harness in ../shared/bench/torchsharp-lstm, mode
/// `interop`) loads a safetensors export by its PyTorch names and decodes greedily to the same
/// text as `generate --temperature 0`. `.ci/run` builds the harness and names its dll in
/// RNNCLUSTER_LIBTORCH_HARNESS; without that variable the test is skipped, with the reason.
/// </summary>
[Trait(Tier.Name, Tier.Process)]
public sealed class LibTorchInteropTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    [LibTorchFact]
    public async Task Libtorch_decodes_the_safetensors_export_greedily_to_the_text_of_generate()
    {
        using var dir = new ScratchDirectory();
        string db = dir.File("store.db"), file = dir.File("lm.safetensors");
        // Trained far enough that its greedy text is words, not one repeated character.
        var train = await CliProcess.RunAsync(dir.Path, Timeout, "train", "--dataset", "tiny", "--embed", "16", "--hidden", "64", "--layers", "2", "--seq", "32",
            "--batch", "16", "--micro-batches", "2", "--steps", "250", "--lr", "1e-2", "--db", db, "--run-id", "lm", "--plain", "--samples", "0", "--checkpoint-every", "0");
        Assert.True(train.ExitCode == 0, train.ToString());
        var export = await CliProcess.RunAsync(dir.Path, Timeout, "checkpoints", "export", "--db", db, "--run", "lm", "--format", "safetensors", "--out", file);
        Assert.True(export.ExitCode == 0, export.ToString());
        var generate = await CliProcess.RunAsync(dir.Path, Timeout, "generate", "--db", db, "--run", "lm", "--temperature", "0", "--length", "200", "--prime", "The ");
        Assert.True(generate.ExitCode == 0, generate.ToString());

        string libtorch = await RunHarness(dir.Path, "interop", "--safetensors", file, "--prime", "The ", "--length", "200");
        output.WriteLine($"generate: {generate.Output}\nlibtorch: {libtorch}");
        Assert.Equal(generate.Output.TrimEnd('\n'), "The " + libtorch);
        Assert.Contains("lighthouse", libtorch, StringComparison.Ordinal);
    }

    /// <summary>The harness's continuation: the JSON string after "GREEDY ".</summary>
    private static async Task<string> RunHarness(string workingDirectory, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(LibTorchFactAttribute.Harness!);
        foreach (var a in args)
            start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync(new CancellationTokenSource(Timeout).Token);
        string text = await stdout;
        Assert.True(process.ExitCode == 0, $"harness exit {process.ExitCode}\n{text}\n{await stderr}");
        string line = text.Split('\n').Single(l => l.StartsWith("GREEDY ", StringComparison.Ordinal));
        return JsonSerializer.Deserialize<string>(line["GREEDY ".Length..])!;
    }
}

/// <summary>A fact that needs the libtorch harness: skipped, with the reason, where RNNCLUSTER_LIBTORCH_HARNESS is unset.</summary>
public sealed class LibTorchFactAttribute : FactAttribute
{
    public static string? Harness => Environment.GetEnvironmentVariable("RNNCLUSTER_LIBTORCH_HARNESS");

    public LibTorchFactAttribute()
    {
        if (string.IsNullOrEmpty(Harness))
            Skip = "RNNCLUSTER_LIBTORCH_HARNESS is unset: .ci/run builds ../shared/bench/torchsharp-lstm and sets it";
    }
}
