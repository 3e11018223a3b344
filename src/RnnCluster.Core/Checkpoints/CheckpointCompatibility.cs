using System.Globalization;
using System.Text;
using RnnCluster.Core.Model;
using RnnCluster.Core.Optim;
using RnnCluster.Core.Text;

namespace RnnCluster.Core.Checkpoints;

/// <summary>
/// Whether a checkpoint can resume a run with the requested model, settings and vocabulary:
/// everything that fixes the trajectory must be equal. Run id, step and metadata are not compared.
/// Differences read "checkpoint value vs requested value".
/// </summary>
public static class CheckpointCompatibility
{
    /// <summary>Throws a <see cref="CheckpointException"/> (Incompatible) naming the first difference.</summary>
    public static void Check(Checkpoint existing, ModelDescription model, TrainingSettings settings, Vocabulary vocabulary)
    {
        ArgumentNullException.ThrowIfNull(existing);
        Throw(existing.RunId, existing.Step, FirstDifference(existing, model, settings, vocabulary));
    }

    /// <inheritdoc cref="Check(Checkpoint, ModelDescription, TrainingSettings, Vocabulary)"/>
    public static void Check(CheckpointHeader existing, ModelDescription model, TrainingSettings settings, Vocabulary vocabulary)
    {
        ArgumentNullException.ThrowIfNull(existing);
        Throw(existing.RunId, existing.Step, FirstDifference(existing, model, settings, vocabulary));
    }

    /// <summary>The first difference in the order model, vocabulary, training settings; null when the run can resume.</summary>
    public static string? FirstDifference(Checkpoint existing, ModelDescription model, TrainingSettings settings, Vocabulary vocabulary)
    {
        ArgumentNullException.ThrowIfNull(existing);
        return FirstDifference(existing.Model, existing.Vocabulary, existing.Settings, model, settings, vocabulary);
    }

    /// <inheritdoc cref="FirstDifference(Checkpoint, ModelDescription, TrainingSettings, Vocabulary)"/>
    public static string? FirstDifference(CheckpointHeader existing, ModelDescription model, TrainingSettings settings, Vocabulary vocabulary)
    {
        ArgumentNullException.ThrowIfNull(existing);
        return FirstDifference(existing.Model, existing.Vocabulary, existing.Settings, model, settings, vocabulary);
    }

    /// <summary>"vocabulary differs (…)" naming the tokenizer, the size, the first differing token or the unknown id; null when equal.</summary>
    public static string? VocabularyDifference(Vocabulary checkpoint, Vocabulary requested)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        ArgumentNullException.ThrowIfNull(requested);
        if (checkpoint.Kind != requested.Kind)
            return $"vocabulary differs (tokenizer {checkpoint.Kind} vs {requested.Kind})";
        if (checkpoint.Count != requested.Count)
            return $"vocabulary differs (size {checkpoint.Count} vs {requested.Count})";
        for (int i = 0; i < checkpoint.Count; i++)
        {
            if (!string.Equals(checkpoint.Tokens[i], requested.Tokens[i], StringComparison.Ordinal))
                return $"vocabulary differs (token {i} '{Escape(checkpoint.Tokens[i])}' vs '{Escape(requested.Tokens[i])}')";
        }
        if (checkpoint.UnknownId != requested.UnknownId)
            return $"vocabulary differs (unknown-token id {checkpoint.UnknownId} vs {requested.UnknownId})";
        return null;
    }

    private static string? FirstDifference(
        ModelDescription oldModel, Vocabulary oldVocabulary, TrainingSettings oldSettings,
        ModelDescription model, TrainingSettings settings, Vocabulary vocabulary)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(vocabulary);
        if (oldModel.FirstDifference(model) is string modelDifference)
            return $"model differs ({modelDifference})";
        if (VocabularyDifference(oldVocabulary, vocabulary) is string vocabularyDifference)
            return vocabularyDifference;
        if (oldSettings.FirstDifference(settings) is string settingsDifference)
            return $"training settings differ ({settingsDifference})";
        return null;
    }

    private static void Throw(string runId, long step, string? difference)
    {
        if (difference is not null)
            throw new CheckpointException(
                CheckpointErrorKind.Incompatible,
                $"cannot resume run '{Escape(runId)}' from its checkpoint at step {step}: {difference}; checkpoint vs requested");
    }

    /// <summary>Control characters as escapes (\n, \t, \u0001) so a token or id stays on one line.</summary>
    internal static string Escape(string text)
    {
        bool plain = true;
        foreach (char c in text)
            plain &= !char.IsControl(c);
        if (plain)
            return text;
        var escaped = new StringBuilder(text.Length + 8);
        foreach (char c in text)
        {
            escaped.Append(c switch
            {
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ when char.IsControl(c) => string.Create(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}"),
                _ => c.ToString(),
            });
        }
        return escaped.ToString();
    }
}
