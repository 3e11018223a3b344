using System.Diagnostics;
using RnnCluster.Core.Data;
using RnnCluster.Core.Model;
using RnnCluster.Core.Optim;
using RnnCluster.Core.Sampling;
using RnnCluster.Core.Steps;
using RnnCluster.Core.Text;

namespace RnnCluster.Benchmarks;

/// <summary>
/// Time to quality on one thread: trains (config b by default) for S seconds of training time on
/// the first 90% of the corpus and prints the validation loss (mean nats per token over the whole
/// last 10%, non-overlapping windows of T targets from the zero state) every 30 s and at the end.
///   quality --corpus FILE --seconds S [--embed --hidden --layers --seq --batch --lr --dropout --cell] [--schedule cosine|constant]
///           [--tokens char|word --max-vocab N] [--softmax full|adaptive --cutoffs c0,c1,…] [--steps N]
/// Lines: seconds=… step=… val_loss=…  (evaluation time is not counted as training time). With
/// --steps the run ends after N steps instead (the same tokens for every model: compare softmaxes).
/// The learning rate is constant by default. With --schedule cosine the decay length is the number
/// of steps that fit in S seconds, estimated from a few untimed steps of a throwaway model before
/// the run; on a machine whose speed drifts that estimate can be far off (1,676 estimated, 2,726
/// done in one measured run), ending the decay early, which is why it is not the default.
/// </summary>
internal static class QualityBenchmark
{
    public static int Run(string[] args)
    {
        var o = new BenchmarkOptions(args);
        var cell = Enum.Parse<CellKind>(o.String("cell") ?? "lstm", ignoreCase: true);
        double seconds = o.Float("seconds", 90);
        double every = o.Float("every", 30);
        string text = CorpusLoader.Load(o.String("corpus") ?? BenchmarkOptions.DefaultCorpusPath());
        var tokenizer = ReferenceConfig.BuildTokenizer(o, text);
        var split = TrainValidationSplit.Create(tokenizer.Encode(text));
        var model = new ModelDescription(cell, tokenizer.Vocabulary.Count, o.Int("embed", 64), o.Int("hidden", 256), o.Int("layers", 2), o.Float("dropout", 0f))
        {
            Softmax = ReferenceConfig.Softmax(o, tokenizer.Vocabulary.Count),
        };
        int maxSteps = o.Int("steps", int.MaxValue);
        int seq = o.Int("seq", 64);
        var settings = new TrainingSettings((ulong)o.Int("seed", 1), seq, o.Int("batch", 32), o.Int("micro-batches", 1),
            new OptimizerSettings(OptimizerKind.Adam, o.Float("lr", 4e-3f)), new LrSchedule(), ClipNorm: 5f);
        if ((o.String("schedule") ?? "constant") == "cosine")
        {
            int steps = EstimateSteps(model, settings, split.Train, seconds);
            settings = settings with { Schedule = new LrSchedule(LrScheduleKind.WarmupCosine, WarmupSteps: 0, DecaySteps: steps, MinLrFraction: 0.05f) };
            Console.WriteLine($"cosine learning-rate decay over an estimated {steps} steps");
        }
        Console.WriteLine($"{model}; T={seq} B={settings.Batch}; train {split.TrainCount:N0} tokens, validation {split.ValidationCount:N0}; 1 thread");

        using var trainer = new ReferenceTrainer(TrainingState.Initial(model, settings), split.Train);
        using var evaluator = new Evaluator(model, seq, split.ValidationWithContext);
        var training = new Stopwatch();
        double nextReport = every;
        double lastTrainLoss = double.NaN;
        while (true)
        {
            training.Start();
            lastTrainLoss = trainer.Step().Loss;
            training.Stop();
            double elapsed = training.Elapsed.TotalSeconds;
            bool done = elapsed >= seconds || trainer.State.Step >= maxSteps;
            if (elapsed >= nextReport || done)
            {
                double val = evaluator.MeanLoss(trainer.State.Parameters);
                Console.WriteLine($"seconds={elapsed:F0} step={trainer.State.Step} train_loss={lastTrainLoss:F4} val_loss={val:F4}");
                nextReport += every;
            }
            if (done)
                break;
        }

        using var generator = new TextGenerator(model, trainer.State.Parameters, tokenizer.Vocabulary);
        for (int i = 0; i < 2; i++)
        {
            Console.WriteLine($"--- sample {i + 1} (temperature 0.8) ---");
            Console.WriteLine(generator.Generate(new GenerationOptions(Length: tokenizer is WordTokenizer ? 100 : 400, Temperature: 0.8f, Prime: "ROMEO:", Seed: (ulong)i + 1)));
        }
        return 0;
    }

    /// <summary>Steps that fit in the budget, from the median of a few steps after warm-up.</summary>
    private static int EstimateSteps(ModelDescription model, TrainingSettings settings, ReadOnlyMemory<int> train, double seconds)
    {
        using var probe = new ReferenceTrainer(TrainingState.Initial(model, settings), train);
        var times = new List<double>();
        for (int i = 0; i < 16; i++)
        {
            var clock = Stopwatch.StartNew();
            probe.Step();
            if (i >= 6)
                times.Add(clock.Elapsed.TotalSeconds);
        }
        times.Sort();
        return (int)(seconds / times[times.Count / 2]);
    }
}
