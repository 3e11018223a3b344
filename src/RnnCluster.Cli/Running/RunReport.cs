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
        int shards = plan.Request.ParameterServerShards;
        Console.WriteLine($"  nodes  {topology}{(shards > 1 ? $"; parameters held by {shards} shards" : "")}");
    }

    /// <summary>Samples, loss curve and the summary line (always the last line); returns the exit code. A failed run: see <see cref="Fail"/>.</summary>
    public static async Task<int> FinishAsync(RunEnded ended, RunOutcome? outcome, StoreOptions store, string runId, int samples)
    {
        if (!ended.Success)
            return Fail(ended, outcome);
        string[] lines = ended.Summary.Split('\n');
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

    /// <summary>
    /// The reason on stderr; on stdout a summary line only for a run that trained in this session.
    /// Scripts read the summary as a result, and steps=0 train_loss=NaN is none: a run refused or
    /// lost before its first step prints none. Fields without a finite value are left out.
    /// </summary>
    public static int Fail(RunEnded ended, RunOutcome? outcome)
    {
        Console.Error.WriteLine($"error: {ended.Summary.Split('\n')[0]}");
        if (outcome is not null && double.IsFinite(outcome.TrainLoss))
        {
            string line = outcome.SummaryLine;
            if (outcome.ValidationLoss is not { } v || !double.IsFinite(v))
                line = line[..line.LastIndexOf(" val_loss=", StringComparison.Ordinal)];
            Console.WriteLine(line);
        }
        return ExitCodes.RunFailed;
    }

    private static bool IsReber(Core.Text.Vocabulary vocabulary) =>
        vocabulary.Kind == Core.Text.TokenizerKind.Char && vocabulary.Tokens.All(t => t == "\n" || ReberGrammar.Symbols.Contains(t, StringComparison.Ordinal));
}
