using System.Runtime.InteropServices;
using MessagePack;
using RnnCluster.Core.Model;
using RnnCluster.Core.Optim;
using RnnCluster.Core.Text;

namespace RnnCluster.Training.Wire;

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
