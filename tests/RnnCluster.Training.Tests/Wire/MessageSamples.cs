using RnnCluster.Core.Model;
using RnnCluster.Training.Coordinator;
using RnnCluster.Training.Node;
using RnnCluster.Training.ParameterServer;
using RnnCluster.Training.Wire;
using RnnCluster.Training.Worker;

namespace RnnCluster.Training.Tests.Wire;

/// <summary>
/// One realistic sample of every wire message: every field set to a non-default value (so a
/// dropped or swapped MessagePack key shows), non-empty byte arrays, CJK and emoji tokens,
/// negative and very large numbers.
/// </summary>
internal static class MessageSamples
{
    public const string RunId = "run-2025-12-31-深度学习-🚀";

    /// <summary>A fresh sample (tensor messages own their blob: a test may give it up).</summary>
    public static IRnnClusterMessage For(Type type) =>
        Build().FirstOrDefault(m => m.GetType() == type)
            ?? throw new InvalidOperationException($"No sample for {type.Name}: add one to {nameof(MessageSamples)}.");

    public static readonly IReadOnlyDictionary<Type, IRnnClusterMessage> All = Build().ToDictionary(m => m.GetType());

    public static byte[] Bytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    public static RunDefinition Definition() => new(
        new ModelWire((int)CellKind.Gru, VocabSize: 6, Embed: 16, Hidden: 48, Layers: 3, Dropout: 0.25f, ModelDescription.LayoutVersion, Cutoffs: [2, 4]),
        new VocabularyWire(Kind: 1, ["the", "深度", "学习", "🚀🧠", "naïve café", "<unk>"], UnknownId: 5),
        new SettingsWire(Seed: ulong.MaxValue - 12_345, SeqLen: 64, Batch: 32, MicroBatches: 8, Optimizer: 2,
            LearningRate: 3e-4f, Beta1: 0.9f, Beta2: 0.999f, Epsilon: 1e-8f, WeightDecay: 0.01f, Momentum: 0.95f, Alpha: 0.99f,
            Schedule: 2, WarmupSteps: 100, DecaySteps: 10_000, DecayFactor: 0.5f, MinLrFraction: 0.05f, ClipNorm: 1.0f),
        CorpusHash: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        TrainTokens: 1_048_576,
        ValidationTokens: 65_537,
        TrainingMode.Async,
        Staleness: 4,
        CorpusName: "/data/中文语料.txt");

    private static IEnumerable<IRnnClusterMessage> Build()
    {
        const long bigStep = 9_007_199_254_740_993; // 2^53 + 1: not representable as a double
        const long createdAt = 1_767_225_599_999;
        var definition = Definition();

        // run protocol
        yield return new BeginRun(RunId, definition, Resume: true, TargetSteps: long.MaxValue, new CheckpointPolicy(Every: 250, Keep: 7), Shards: 6);
        yield return new RunReady(RunId, bigStep, Resumed: true, "resumed from the checkpoint at step 42, skipping: 检查点损坏 💥");
        yield return new RunRefused(RunId, "cannot resume run: the corpus differs (hash 9f86d081884c… vs e3b0c44298fc…)");
        yield return new RunAborted(RunId, "training diverged: the update of step 12 made the parameters non-finite");
        yield return new StepApplied(RunId, 1_234_567, TrainLoss: 2.718281828459045, GradientNorm: 1.7976931348623157e308,
            LearningRate: -3.5e-4f, ReduceMs: 0.125, ApplyMs: 17.75, MaxStaleness: int.MaxValue);
        yield return new QueryMissing(RunId, -1);
        yield return new MissingMicroBatches(RunId, 77, [0, 3, 5, int.MaxValue, -1]);
        yield return new GradientRefused(RunId, 78, Lo: 4, Hi: 8, "worker-7-北京", "the gradient holds NaN or infinite values");
        yield return new RequestCheckpoint(RunId);
        yield return new CheckpointSaved(RunId, 1_000_000, SaveMs: 1234.5678);
        yield return new RecordValidation(RunId, 500, Loss: -0.001953125);
        yield return new FinishRun(RunId);
        yield return new RunFinished(RunId, long.MaxValue - 1);

        // worker protocol
        yield return new RegisterWorker("worker-🦀-3", ProtocolVersion: -2);
        yield return new WorkerWelcome(RunId, definition, IntBytes.From([0, 1, 5, 4, 3, 2, int.MaxValue, -7]), IntBytes.From([5, 4, 3]));
        yield return new WorkerRefused(RunId, "protocol version 2, this coordinator speaks 1");
        yield return new WorkerReady(RunId, "w0");
        yield return new AssignWork(RunId, 4_294_967_296, [2, 3]);
        yield return new ParametersAvailable(RunId, 12, TensorBlob.CopyOf([1.5f, -0f, float.Epsilon, -3.4e38f, 0.1f, float.NaN]));
        yield return new ParameterSlice(RunId, 13, Index: 3, Count: 4, Offset: 196_608, TotalLength: 262_145, TensorBlob.CopyOf([2.5f, -0f, float.MaxValue]));

        // shard protocol
        yield return new LocateShard(RunId, Index: 11);
        yield return new ShardLocated(RunId, Index: 12);
        yield return new StartShard(RunId, Index: 2, Count: 5, definition, Step: bigStep, TensorBlob.CopyOf(Bytes(2 * 1024, seed: 21)));
        yield return new ShardStarted(RunId, Index: 7, Step: bigStep - 2);
        yield return new ShardPeers(RunId, ["akka.tcp://rnncluster@10.0.0.2:4053/system/sharding/ps-shard/0/r%2Fshard-0#123", "akka://rnncluster/user/ps/run/shard-1#-7"]);
        yield return new ShardReduced(RunId, Step: 91, Index: 1, FirstBlock: 3, BlockSums: [1e-300, 2.5, double.MaxValue], Attempt: 2);
        yield return new ShardApplied(RunId, Step: 93, Index: 4, GradientNorm: 0.875, LearningRate: 2e-3f, ApplyMs: 1.25, Diverged: true, LossSum: 123.25, Tokens: 4096, ReduceMs: 0.375);
        yield return new CollectShard(RunId, Step: 94);
        yield return new ShardCollected(RunId, Step: 95, Index: 6, TensorBlob.CopyOf(Bytes(1024, seed: 95)));
        yield return new RequestParameters(RunId, 13, "w1");
        yield return new GradientComputed(RunId, 14, Lo: 2, Hi: 4, TensorBlob.CopyOf(Bytes(4 * 1024, seed: 14)), LossSum: 1.0e6 + 0.25, Tokens: 512, "w2",
            ParameterVersion: 13, Offset: 542_017);
        yield return new WorkDone(RunId, 15, "w3", ComputeMs: 12.5, WaitMs: -0.75, Abandoned: true);
        yield return new AsyncVerdict(RunId, Sequence: 8 * 1_000_000_000L + 3, Accepted: true, CurrentVersion: 999_999_999_999, TensorBlob.CopyOf(Bytes(64, seed: 16)));
        yield return new EvaluateRequest(RunId, 16);
        yield return new EvaluationResult(RunId, 16, Loss: 1.4142135623730951, "w4");
        yield return new RegisterNode("node-東京-1", ProtocolVersion: 1);
        yield return new NodeRegistered(RunId);
        yield return new RunEnded(RunId, Success: true, "run=深度学习 steps=1000 tokens_per_s=12345 train_loss=1.2345 val_loss=nan ✅");

        // persistence
        yield return new RunCreated(RunId, definition, createdAt, new CheckpointPolicy(Every: 20, Keep: 3));
        yield return new CheckpointRecorded(RunId, bigStep, createdAt + 1);
        yield return new ParameterServerSnapshot(Bytes(3 * 1024 + 5, seed: 17),
            new TrainingHistory(FirstStep: 40, FloatBytes.From([2.5f, 2.25f, -1f]), [100, 200, long.MaxValue], [3.25, -0.5, 1e-300]));
    }
}
