using RnnCluster.Core.Data;
using RnnCluster.Core.Model;
using RnnCluster.Core.Optim;
using RnnCluster.Core.Steps;
using RnnCluster.Core.Text;
using RnnCluster.Training.Coordinator;
using RnnCluster.Training.Node;
using RnnCluster.Training.ParameterServer;
using RnnCluster.Training.Wire;
using RnnCluster.Training.Worker;

namespace RnnCluster.Training.Tests.Support;

/// <summary>A small run (char model on a built-in text) and its single-process reference.</summary>
internal sealed class RunFixture
{
    public RunFixture(string runId, int microBatches = 8, int steps = 6, float dropout = 0.1f, TrainingMode mode = TrainingMode.Sync, int staleness = 0,
        CellKind cell = CellKind.Lstm, float lr = 5e-3f, string dataset = BuiltInDatasets.Tiny, bool constantLr = false,
        SoftmaxHead? softmax = null, int hidden = 24)
    {
        string text = BuiltInDatasets.Get(dataset);
        Tokenizer = CharTokenizer.Build(text);
        var split = TrainValidationSplit.Create(Tokenizer.Encode(text));
        Train = split.Train.ToArray();
        Validation = split.ValidationWithContext.ToArray();
        Model = new ModelDescription(cell, Tokenizer.Vocabulary.Count, Embed: 8, Hidden: hidden, Layers: 2, Dropout: dropout) { Softmax = softmax ?? SoftmaxHead.Full };
        Settings = new TrainingSettings(Seed: 5, SeqLen: 16, Batch: 16, MicroBatches: microBatches,
            new OptimizerSettings(OptimizerKind.Adam, lr), constantLr ? new LrSchedule() : new LrSchedule(LrScheduleKind.WarmupCosine, 3, 50), ClipNorm: 1f);
        Definition = new RunDefinition(ModelWire.From(Model), VocabularyWire.From(Tokenizer.Vocabulary), SettingsWire.From(Settings),
            CorpusFingerprint.Of(Train, Validation), Train.Length, Validation.Length, mode, staleness, dataset);
        RunId = runId;
        Steps = steps;
    }

    public string RunId { get; }
    public int Steps { get; }
    public ITokenizer Tokenizer { get; }
    public int[] Train { get; }
    public int[] Validation { get; }
    public ModelDescription Model { get; }
    public TrainingSettings Settings { get; }
    public RunDefinition Definition { get; }

    /// <summary>What the coordinator sends a worker that joins this run.</summary>
    public WorkerWelcome Welcome() => new(RunId, Definition, IntBytes.From(Train), IntBytes.From(Validation));

    /// <summary>A parameter- or gradient-sized blob with every value set to <paramref name="value"/>.</summary>
    public TensorBlob Filled(float value) => TensorBlob.CopyOf(FilledBytes(value));

    /// <summary>The bytes of <see cref="Filled"/>.</summary>
    public byte[] FilledBytes(float value)
    {
        var values = new float[new ParameterLayout(Model).TotalSize];
        Array.Fill(values, value);
        return FloatBytes.From(values);
    }

    public RunRequest Request(long steps, bool resume = false, int checkpointEvery = 2, int keep = 3, int minWorkers = 1, TimeSpan? stepTimeout = null, int shards = 1) =>
        new(RunId, Definition, Train, Validation, resume, steps, new CheckpointPolicy(checkpointEvery, keep), minWorkers, ValidateEvery: 0,
            stepTimeout ?? TimeSpan.FromSeconds(30), ParameterServerShards: shards);

    public SessionOptions Session(StoreOptions store, RunRequest request, int workers, bool serialize = false, IReadOnlyDictionary<int, WorkerFaults>? faults = null) =>
        new("test-node", new MembershipOptions(SerializeAllMessages: serialize), store, request,
            Enumerable.Range(0, workers).Select(i => ($"w{i}", faults?.GetValueOrDefault(i) ?? WorkerFaults.None)).ToList());

    /// <summary>Raw parameter bytes after <paramref name="steps"/> steps of the core's reference loop.</summary>
    public byte[] ReferenceBytes(long steps)
    {
        using var trainer = new ReferenceTrainer(TrainingState.Initial(Model, Settings), Train);
        for (long s = 0; s < steps; s++)
            trainer.Step();
        return FloatBytes.From(trainer.State.Parameters);
    }
}
