using System.Globalization;
using System.Numerics;
using System.Runtime.InteropServices;
using RnnCluster.Core.Model;
using RnnCluster.Core.Optim;

namespace RnnCluster.Core.Checkpoints;

/// <summary>
/// What makes a checkpoint's content valid. The writer and the reader both call these, so a file
/// the writer accepts always reads, and both sides name a problem in the same words.
/// </summary>
internal static class CheckpointContentChecks
{
    public static void CheckStep(long step)
    {
        if (step < 0)
            throw new CheckpointException(CheckpointErrorKind.Invalid, $"step {step} is negative");
    }

    public static ParameterLayout ValidateModel(ModelDescription model)
    {
        if (!Enum.IsDefined(model.Cell))
            throw new CheckpointException(CheckpointErrorKind.Invalid, $"model: unknown cell kind {(int)model.Cell}");
        try
        {
            return new ParameterLayout(model);
        }
        catch (ArgumentException e)
        {
            throw new CheckpointException(CheckpointErrorKind.Invalid, $"model: {e.Message}", e);
        }
        catch (OverflowException e)
        {
            throw new CheckpointException(CheckpointErrorKind.Invalid, $"model: {model} has more parameters than one buffer can hold", e);
        }
    }

    public static void CheckVocabularyCount(int count, ModelDescription model)
    {
        if (count != model.VocabSize)
            throw new CheckpointException(
                CheckpointErrorKind.Invalid,
                $"vocabulary: {count} tokens, model {model} has vocabulary size {model.VocabSize}");
    }

    public static void ValidateSettings(TrainingSettings settings)
    {
        if (!Enum.IsDefined(settings.Optimizer.Kind))
            throw new CheckpointException(CheckpointErrorKind.Invalid, $"training settings: unknown optimizer kind {(int)settings.Optimizer.Kind}");
        if (!Enum.IsDefined(settings.Schedule.Kind))
            throw new CheckpointException(CheckpointErrorKind.Invalid, $"training settings: unknown learning-rate schedule kind {(int)settings.Schedule.Kind}");
        try
        {
            settings.Validate();
        }
        catch (ArgumentException e)
        {
            throw new CheckpointException(CheckpointErrorKind.Invalid, $"training settings: {e.Message}", e);
        }
    }

    public static void CheckParameterCount(int count, ParameterLayout layout)
    {
        if (count != layout.TotalSize)
            throw new CheckpointException(
                CheckpointErrorKind.Invalid,
                $"parameters: {count} values, model {layout.Description} needs {layout.TotalSize}");
    }

    public static void CheckFinite(ReadOnlySpan<float> parameters, ParameterLayout layout)
    {
        int index = IndexOfNonFinite(parameters);
        if (index < 0)
            return;
        foreach (var tensor in layout.Tensors)
        {
            if (index < tensor.Offset || index >= tensor.Offset + tensor.Size)
                continue;
            int local = index - tensor.Offset;
            throw new CheckpointException(
                CheckpointErrorKind.Invalid,
                string.Create(CultureInfo.InvariantCulture,
                    $"parameter {tensor.Name}[{local / tensor.Cols}, {local % tensor.Cols}] (flat index {index}) is {parameters[index]}"));
        }
        throw new CheckpointException(CheckpointErrorKind.Invalid, $"parameter at flat index {index} is not finite");
    }

    public static int IndexOfNonFinite(ReadOnlySpan<float> values)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && values.Length >= Vector<float>.Count)
        {
            var vectors = MemoryMarshal.Cast<float, Vector<float>>(values);
            for (; i < vectors.Length; i++)
            {
                var v = vectors[i];
                // x - x is 0 for every finite x and NaN for NaN and ±infinity.
                if (!Vector.EqualsAll(v - v, Vector<float>.Zero))
                    break;
            }
            i *= Vector<float>.Count;
        }
        for (; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
                return i;
        }
        return -1;
    }
}
