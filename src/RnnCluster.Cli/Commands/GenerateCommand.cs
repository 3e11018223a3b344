using System.CommandLine;
using RnnCluster.Core.Sampling;
using RnnCluster.Training.Store;

namespace RnnCluster.Cli.Commands;

/// <summary>`generate`: sample text from a run's checkpoint.</summary>
internal static class GenerateCommand
{
    public static Command Create()
    {
        var store = new StoreArguments();
        var run = new Option<string>("--run") { Description = "run id", Required = true };
        var step = new Option<long?>("--step") { Description = "checkpoint step (default: the latest readable one)" };
        var length = new Option<int>("--length") { Description = "tokens to generate", DefaultValueFactory = _ => 300 };
        var temperature = new Option<float>("--temperature") { Description = "sampling temperature (0 = greedy)", DefaultValueFactory = _ => 0.8f };
        var topK = new Option<int>("--top-k") { Description = "sample among the k most likely tokens (0 = all)", DefaultValueFactory = _ => 0 };
        var prime = new Option<string>("--prime") { Description = "priming text", DefaultValueFactory = _ => "" };
        var seed = new Option<ulong>("--seed") { Description = "sampling seed", DefaultValueFactory = _ => 1UL };

        var command = new Command("generate", "Sample text from a checkpoint");
        store.AddTo(command);
        foreach (var option in new Option[] { run, step, length, temperature, topK, prime, seed })
            command.Options.Add(option);
        command.SetAction(async p => await CommandRunner.Guard(async () =>
        {
            if (p.GetValue(length) < 0)
                throw new UsageException("--length must be >= 0.");
            if (!(p.GetValue(temperature) >= 0) || float.IsPositiveInfinity(p.GetValue(temperature)))
                throw new UsageException("--temperature must be a finite number >= 0.");
            if (p.GetValue(topK) < 0)
                throw new UsageException("--top-k must be >= 0 (0 = all tokens).");
            // Read-only: a mistyped --db is "no such run", not a new empty database.
            await using var reader = await CheckpointStore.OpenAsync(store.Read(p), readOnly: true);
            var loaded = await reader.LoadAsync(p.GetValue(run)!, p.GetValue(step));
            foreach (var skipped in loaded.Skipped)
                Console.Error.WriteLine($"warning: skipped {skipped}");
            var c = loaded.Checkpoint;
            using var generator = new TextGenerator(c.Model, c.Parameters, c.Vocabulary);
            Console.WriteLine(generator.Generate(new GenerationOptions(p.GetValue(length), p.GetValue(temperature), p.GetValue(topK), p.GetValue(prime)!, p.GetValue(seed))));
            return ExitCodes.Success;
        }));
        return command;
    }
}
