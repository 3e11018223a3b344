using RnnCluster.Cli.Commands;
using RnnCluster.Cli.Display;
using RnnCluster.Core.Data;
using RnnCluster.Core.Model;
using RnnCluster.Core.Sampling;
using RnnCluster.Core.Steps;
using RnnCluster.Training.Coordinator;
using RnnCluster.Training.Node;
using RnnCluster.Training.Store;

namespace RnnCluster.Cli.Running;

/// <summary>What `train` and the coordinator node print before and after a run.</summary>
internal static class RunReport
{
    public static void PrintHeader(RunPlan plan, StoreOptions store, string topology)
    {
        var d = plan.Request.Definition;
        var model = d.Model.ToModel();
        var settings = d.Settings.ToSettings();
        Console.WriteLine($"run {plan.Request.RunId}{(plan.Request.Resume ? " (resume)" : "")}: {model}, {new ParameterLayout(model).TotalSize:N0} parameters");
        Console.WriteLine($"  data   {plan.CorpusDescription}; {plan.WindowsPerEpoch:N0} windows of {settings.SeqLen} per epoch");
        Console.WriteLine($"  steps  {plan.Request.TargetSteps:N0} × {settings.Batch} sequences in {settings.MicroBatches} micro-batches, {d.Mode.ToString().ToLowerInvariant()} mode, {settings.Optimizer.Kind.ToString().ToLowerInvariant()} lr {settings.Optimizer.LearningRate}, seed {settings.Seed}");
        Console.WriteLine($"  store  {store.Describe()}; checkpoint every {plan.Request.Checkpoints.Every} steps, keep {plan.Request.Checkpoints.Keep}");
        Console.WriteLine($"  nodes  {topology}");
    }

    /// <summary>Samples, loss curve and the summary line (always the last line); returns the exit code.</summary>
    public static async Task<int> FinishAsync(RunEnded ended, RunOutcome? outcome, StoreOptions store, string runId, int samples)
    {
        string[] lines = ended.Summary.Split('\n');
        if (!ended.Success)
        {
            Console.Error.WriteLine($"error: {lines[0]}");
            if (lines.Length > 1)
                Console.WriteLine(lines[^1]);
            return ExitCodes.RunFailed;
        }
        Console.WriteLine(lines[0]);
        if (outcome?.TimingLine is { } timing)
            Console.WriteLine(timing);
        try
        {
            await using var reader = await CheckpointStore.OpenAsync(store);
            var final = await reader.LoadAsync(runId);
            var checkpoint = final.Checkpoint;
            string? png = LossCurve.Write(final.History, runId, StoreArguments.OutputDirectory(store));
            if (png is not null)
                Console.WriteLine($"loss curve: {png}");
            if (checkpoint.Model.VocabSize == checkpoint.Vocabulary.Count && IsReber(checkpoint.Vocabulary))
                Console.WriteLine(ReberEvaluation.Evaluate(checkpoint.Model, checkpoint.Parameters, checkpoint.Vocabulary));
            using var generator = new TextGenerator(checkpoint.Model, checkpoint.Parameters, checkpoint.Vocabulary);
            for (int i = 0; i < samples; i++)
            {
                Console.WriteLine($"--- sample {i + 1} (temperature 0.8, seed {i + 1}) ---");
                Console.WriteLine(generator.Generate(new GenerationOptions(Length: 300, Temperature: 0.8f, Seed: (ulong)i + 1)));
            }
        }
        catch (CheckpointStoreException e)
        {
            Console.Error.WriteLine($"warning: no samples: {e.Message}");
        }
        Console.WriteLine(outcome?.SummaryLine ?? lines[^1]);
        return ExitCodes.Success;
    }

    private static bool IsReber(Core.Text.Vocabulary vocabulary) =>
        vocabulary.Kind == Core.Text.TokenizerKind.Char && vocabulary.Tokens.All(t => t == "\n" || ReberGrammar.Symbols.Contains(t, StringComparison.Ordinal));
}
