using System.Runtime.InteropServices;
using MessagePack;
using RnnCluster.Core.Model;
using RnnCluster.Core.Optim;
using RnnCluster.Core.Text;

namespace RnnCluster.Training.Messages;

/// <summary>Wire form of <see cref="ModelDescription"/>.</summary>
[MessagePackObject]
public sealed record ModelWire(
    [property: Key(0)] int Cell,
    [property: Key(1)] int VocabSize,
    [property: Key(2)] int Embed,
    [property: Key(3)] int Hidden,
    [property: Key(4)] int Layers,
    [property: Key(5)] float Dropout,
    [property: Key(6)] int LayoutVersion)
{
    public static ModelWire From(ModelDescription d) =>
        new((int)d.Cell, d.VocabSize, d.Embed, d.Hidden, d.Layers, d.Dropout, ModelDescription.LayoutVersion);

    public ModelDescription ToModel()
    {
        if (LayoutVersion != ModelDescription.LayoutVersion)
            throw new InvalidDataException($"Parameter layout version {LayoutVersion}, this build uses {ModelDescription.LayoutVersion}.");
        var d = new ModelDescription((CellKind)Cell, VocabSize, Embed, Hidden, Layers, Dropout);
        d.Validate();
        return d;
    }
}

/// <summary>Wire form of <see cref="TrainingSettings"/>.</summary>
[MessagePackObject]
public sealed record SettingsWire(
    [property: Key(0)] ulong Seed,
    [property: Key(1)] int SeqLen,
    [property: Key(2)] int Batch,
    [property: Key(3)] int MicroBatches,
    [property: Key(4)] int Optimizer,
    [property: Key(5)] float LearningRate,
    [property: Key(6)] float Beta1,
    [property: Key(7)] float Beta2,
    [property: Key(8)] float Epsilon,
    [property: Key(9)] float WeightDecay,
    [property: Key(10)] float Momentum,
    [property: Key(11)] float Alpha,
    [property: Key(12)] int Schedule,
    [property: Key(13)] int WarmupSteps,
    [property: Key(14)] int DecaySteps,
    [property: Key(15)] float DecayFactor,
    [property: Key(16)] float MinLrFraction,
    [property: Key(17)] float ClipNorm)
{
    public static SettingsWire From(TrainingSettings s) => new(
        s.Seed, s.SeqLen, s.Batch, s.MicroBatches,
        (int)s.Optimizer.Kind, s.Optimizer.LearningRate, s.Optimizer.Beta1, s.Optimizer.Beta2, s.Optimizer.Epsilon,
        s.Optimizer.WeightDecay, s.Optimizer.Momentum, s.Optimizer.Alpha,
        (int)s.Schedule.Kind, s.Schedule.WarmupSteps, s.Schedule.DecaySteps, s.Schedule.DecayFactor, s.Schedule.MinLrFraction,
        s.ClipNorm);

    public TrainingSettings ToSettings()
    {
        var settings = new TrainingSettings(Seed, SeqLen, Batch, MicroBatches,
            new OptimizerSettings((OptimizerKind)Optimizer, LearningRate, Beta1, Beta2, Epsilon, WeightDecay, Momentum, Alpha),
            new LrSchedule((LrScheduleKind)Schedule, WarmupSteps, DecaySteps, DecayFactor, MinLrFraction), ClipNorm);
        settings.Validate();
        return settings;
    }
}

/// <summary>Wire form of <see cref="Vocabulary"/>.</summary>
[MessagePackObject]
public sealed record VocabularyWire(
    [property: Key(0)] int Kind,
    [property: Key(1)] string[] Tokens,
    [property: Key(2)] int UnknownId)
{
    public static VocabularyWire From(Vocabulary v) => new((int)v.Kind, v.Tokens.ToArray(), v.UnknownId);

    public Vocabulary ToVocabulary() => new((TokenizerKind)Kind, Tokens, UnknownId);
}

/// <summary>
/// Everything that defines a run's trajectory (model, vocabulary, settings, mode) plus the corpus
/// fingerprint; equal definitions give bit-identical training (in sync mode). The corpus name
/// (a file or a built-in dataset) only helps a resume find the data again; it is not compared.
/// </summary>
[MessagePackObject]
public sealed record RunDefinition(
    [property: Key(0)] ModelWire Model,
    [property: Key(1)] VocabularyWire Vocabulary,
    [property: Key(2)] SettingsWire Settings,
    [property: Key(3)] string CorpusHash,
    [property: Key(4)] int TrainTokens,
    [property: Key(5)] int ValidationTokens,
    [property: Key(6)] TrainingMode Mode,
    [property: Key(7)] int Staleness,
    [property: Key(8)] string CorpusName)
{
    /// <summary>Names the first thing that differs from an existing run's definition, or null.</summary>
    public string? FirstDifference(RunDefinition requested)
    {
        var model = Model.ToModel().FirstDifference(requested.Model.ToModel());
        if (model is not null) return $"model differs ({model})";
        var vocabulary = Core.Checkpoints.CheckpointCompatibility.VocabularyDifference(Vocabulary.ToVocabulary(), requested.Vocabulary.ToVocabulary());
        if (vocabulary is not null) return vocabulary;
        var settings = Settings.ToSettings().FirstDifference(requested.Settings.ToSettings());
        if (settings is not null) return $"training settings differ ({settings})";
        if (Mode != requested.Mode) return $"mode differs ({Mode} vs {requested.Mode})";
        if (Mode == TrainingMode.Async && Staleness != requested.Staleness) return $"staleness differs ({Staleness} vs {requested.Staleness})";
        if (CorpusHash != requested.CorpusHash)
            return $"the corpus differs (hash {CorpusHash[..12]}… vs {requested.CorpusHash[..Math.Min(12, requested.CorpusHash.Length)]}…, {TrainTokens}+{ValidationTokens} vs {requested.TrainTokens}+{requested.ValidationTokens} tokens)";
        return null;
    }
}

/// <summary>Float buffers travel as raw little-endian bytes: 4 bytes per value, one block copy each way.</summary>
public static class FloatBytes
{
    public static byte[] From(ReadOnlySpan<float> values)
    {
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("RnnCluster's wire format assumes a little-endian host.");
        return MemoryMarshal.AsBytes(values).ToArray();
    }

    /// <summary>As <see cref="From"/>, into an array of the <see cref="TensorPool"/> that the message's receiver (or the wire) returns.</summary>
    public static byte[] Pooled(ReadOnlySpan<float> values)
    {
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("RnnCluster's wire format assumes a little-endian host.");
        var bytes = TensorPool.Rent(values.Length * sizeof(float));
        MemoryMarshal.AsBytes(values).CopyTo(bytes);
        return bytes;
    }

    public static ReadOnlySpan<float> View(byte[] bytes)
    {
        if (bytes.Length % sizeof(float) != 0)
            throw new InvalidDataException($"A float buffer of {bytes.Length} bytes is not a whole number of floats.");
        return MemoryMarshal.Cast<byte, float>(bytes);
    }

    public static float[] ToArray(byte[] bytes) => View(bytes).ToArray();
}

/// <summary>Token ids travel as raw little-endian int32 blobs.</summary>
public static class IntBytes
{
    public static byte[] From(ReadOnlySpan<int> values) => MemoryMarshal.AsBytes(values).ToArray();

    public static int[] ToArray(byte[] bytes)
    {
        if (bytes.Length % sizeof(int) != 0)
            throw new InvalidDataException($"A token buffer of {bytes.Length} bytes is not a whole number of int32 values.");
        return MemoryMarshal.Cast<byte, int>(bytes).ToArray();
    }
}
