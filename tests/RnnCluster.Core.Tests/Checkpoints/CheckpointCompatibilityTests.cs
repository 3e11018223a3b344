using RnnCluster.Core.Checkpoints;
using RnnCluster.Core.Model;
using RnnCluster.Core.Optim;
using RnnCluster.Core.Text;
using static RnnCluster.Core.Tests.Checkpoints.CheckpointSamples;

namespace RnnCluster.Core.Tests.Checkpoints;

public class CheckpointCompatibilityTests
{
    private const string Prefix = "cannot resume run 'run-α-7' from its checkpoint at step 1234: ";
    private const string Suffix = "; checkpoint vs requested";

    private static readonly Checkpoint Existing = CheckpointFormat.Deserialize(CheckpointFormat.Serialize(Make()));

    private static string Refusal(ModelDescription model, TrainingSettings settings, Vocabulary vocabulary)
    {
        var e = Assert.Throws<CheckpointException>(() => CheckpointCompatibility.Check(Existing, model, settings, vocabulary));
        Assert.Equal(CheckpointErrorKind.Incompatible, e.Kind);
        // The header (listing, no arrays) gives the same verdict.
        var header = CheckpointFormat.ReadHeader(CheckpointFormat.Serialize(Existing));
        var fromHeader = Assert.Throws<CheckpointException>(() => CheckpointCompatibility.Check(header, model, settings, vocabulary));
        Assert.Equal(e.Message, fromHeader.Message);
        Assert.StartsWith(Prefix, e.Message);
        Assert.EndsWith(Suffix, e.Message);
        return e.Message[Prefix.Length..^Suffix.Length];
    }

    [Fact]
    public void Same_model_settings_and_vocabulary_resume_whatever_the_step_and_metadata()
    {
        var other = Make(metadata: new CheckpointMetadata(9.99f, 1)) with { RunId = "renamed", Step = 5 };
        CheckpointCompatibility.Check(Existing, other.Model, other.Settings, other.Vocabulary);
        CheckpointCompatibility.Check(CheckpointFormat.ReadHeader(CheckpointFormat.Serialize(Existing)), ModelOf(), Settings(), CharVocabulary());
        Assert.Null(CheckpointCompatibility.FirstDifference(Existing, ModelOf(), Settings(), CharVocabulary()));
    }

    [Fact]
    public void Model_differences_are_named()
    {
        Assert.Equal("model differs (cell Lstm vs Gru)", Refusal(ModelOf(CellKind.Gru), Settings(), CharVocabulary()));
        Assert.Equal("model differs (hidden 4 vs 8)", Refusal(ModelOf() with { Hidden = 8 }, Settings(), CharVocabulary()));
        Assert.Equal("model differs (layers 2 vs 3)", Refusal(ModelOf() with { Layers = 3 }, Settings(), CharVocabulary()));
        Assert.Equal("model differs (dropout 0.25 vs 0)", Refusal(ModelOf() with { Dropout = 0f }, Settings(), CharVocabulary()));
    }

    [Fact]
    public void Settings_differences_are_named()
    {
        var s = Settings();
        Assert.Equal($"training settings differ (seed {Seed} vs 7)", Refusal(ModelOf(), s with { Seed = 7 }, CharVocabulary()));
        Assert.Equal("training settings differ (sequence length 17 vs 18)", Refusal(ModelOf(), s with { SeqLen = 18 }, CharVocabulary()));
        Assert.Equal("training settings differ (batch 12 vs 24)", Refusal(ModelOf(), s with { Batch = 24 }, CharVocabulary()));
        Assert.Equal("training settings differ (micro-batches 3 vs 4)", Refusal(ModelOf(), s with { MicroBatches = 4 }, CharVocabulary()));
        Assert.Equal("training settings differ (clip 1.5 vs 1)", Refusal(ModelOf(), s with { ClipNorm = 1f }, CharVocabulary()));

        string optimizer = Refusal(ModelOf(), s with { Optimizer = s.Optimizer with { Kind = OptimizerKind.AdamW } }, CharVocabulary());
        Assert.StartsWith("training settings differ (optimizer OptimizerSettings { Kind = Adam, LearningRate = 0.0025", optimizer);
        Assert.Contains("vs OptimizerSettings { Kind = AdamW, LearningRate = 0.0025", optimizer);
        Assert.Contains("Beta1 = 0.85", Refusal(ModelOf(), s with { Optimizer = s.Optimizer with { Beta1 = 0.9f } }, CharVocabulary()));
        Assert.StartsWith("training settings differ (learning-rate schedule LrSchedule { Kind = WarmupCosine, WarmupSteps = 10",
            Refusal(ModelOf(), s with { Schedule = s.Schedule with { WarmupSteps = 20 } }, CharVocabulary()));
    }

    [Fact]
    public void Vocabulary_differences_are_named()
    {
        string[] tokens = [.. CharVocabulary().Tokens];
        // Same size as the model's vocabulary, so the model check passes and the vocabulary one speaks.
        var changedToken = (string[])tokens.Clone();
        changedToken[4] = "日";
        Assert.Equal("vocabulary differs (token 4 '中' vs '日')", Refusal(ModelOf(), Settings(), new Vocabulary(TokenizerKind.Char, changedToken, -1)));

        var changedNewline = (string[])tokens.Clone();
        changedNewline[3] = "\r";
        Assert.Equal("vocabulary differs (token 3 '\\n' vs '\\r')", Refusal(ModelOf(), Settings(), new Vocabulary(TokenizerKind.Char, changedNewline, -1)));

        Assert.Equal("vocabulary differs (tokenizer Char vs Word)", Refusal(ModelOf(), Settings(), new Vocabulary(TokenizerKind.Word, tokens, -1)));
        Assert.Equal("vocabulary differs (unknown-token id -1 vs 2)", Refusal(ModelOf(), Settings(), new Vocabulary(TokenizerKind.Char, tokens, 2)));
        Assert.Equal("vocabulary differs (size 9 vs 10)", Refusal(ModelOf(), Settings(), new Vocabulary(TokenizerKind.Char, [.. tokens, "z"], -1)));

        // A model built from the bigger vocabulary differs first in its vocabulary size.
        Assert.Equal("model differs (vocabulary size 9 vs 10)", Refusal(ModelOf(vocabSize: 10), Settings(), new Vocabulary(TokenizerKind.Char, [.. tokens, "z"], -1)));

        Assert.Equal("vocabulary differs (size 2 vs 3)",
            CheckpointCompatibility.VocabularyDifference(new Vocabulary(TokenizerKind.Char, ["a", "b"], -1), new Vocabulary(TokenizerKind.Char, ["a", "b", "c"], -1)));
        Assert.Null(CheckpointCompatibility.VocabularyDifference(WordVocabulary(), WordVocabulary()));
    }

    [Fact]
    public void The_first_difference_wins_in_the_order_model_vocabulary_settings()
    {
        var otherVocabulary = new Vocabulary(TokenizerKind.Word, [.. CharVocabulary().Tokens], -1);
        var otherSettings = Settings() with { Seed = 1, Batch = 6 };
        Assert.Equal("model differs (cell Lstm vs Rnn)", Refusal(ModelOf(CellKind.Rnn) with { Hidden = 99 }, otherSettings, otherVocabulary));
        Assert.Equal("vocabulary differs (tokenizer Char vs Word)", Refusal(ModelOf(), otherSettings, otherVocabulary));
        Assert.Equal($"training settings differ (seed {Seed} vs 1)", Refusal(ModelOf(), otherSettings, CharVocabulary()));
    }
}
