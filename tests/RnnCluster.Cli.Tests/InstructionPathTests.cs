using System.Runtime.Intrinsics;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace RnnCluster.Cli.Tests;

/// <summary>
/// The same run on every instruction path this host can force — AVX-512, AVX2 (as on an EPYC Zen 2,
/// <c>DOTNET_EnableAVX512=0</c>) and scalar (<c>DOTNET_EnableHWIntrinsic=0</c>) — exports the same
/// bytes: a run resumed or continued on another kind of host goes on exactly.
/// </summary>
[Trait(Tier.Name, Tier.Process)]
public sealed class InstructionPathTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);

    public static TheoryData<string> Cells => new() { "lstm", "gru", "rnn" };

    [Theory]
    [MemberData(nameof(Cells))]
    public async Task Every_forced_path_trains_to_the_same_bytes(string cell)
    {
        using var dir = new ScratchDirectory();
        var paths = new List<(string Name, Dictionary<string, string> Environment)> { ("native", []) };
        if (Vector512.IsHardwareAccelerated)
            paths.Add(("avx2", new() { ["DOTNET_EnableAVX512"] = "0" }));
        paths.Add(("scalar", new() { ["DOTNET_EnableHWIntrinsic"] = "0" }));

        byte[]? reference = null;
        string? referenceSummary = null;
        foreach (var (name, environment) in paths)
        {
            string db = dir.File($"{name}.db");
            // Hidden 41 leaves tails after the 16- and 8-lane loops; adam and dropout run their kernels too.
            using var run = CliProcess.Start(dir.Path, environment, "train", "--dataset", "reber", "--cell", cell, "--embed", "8", "--hidden", "41",
                "--layers", "2", "--dropout", "0.1", "--seq", "16", "--batch", "16", "--micro-batches", "4", "--lr", "1e-2", "--steps", "12",
                "--workers", "2", "--db", db, "--run-id", name, "--plain", "--samples", "1");
            var result = await run.WaitAsync(Timeout);
            Assert.True(result.ExitCode == 0, result.ToString());
            output.WriteLine($"{name}: {result.LastLine}");
            var bytes = await FaultToleranceTests.Export(dir, db, name);
            string summary = result.LastLine[result.LastLine.IndexOf(" steps=", StringComparison.Ordinal)..];
            summary = Regex.Replace(summary, @" tokens_per_s=\d+", "");
            if (reference is null)
                (reference, referenceSummary) = (bytes, summary);
            else
            {
                Assert.True(reference.AsSpan().SequenceEqual(bytes), $"{name} exported other bytes than native");
                Assert.Equal(referenceSummary, summary);
            }
        }
    }
}
