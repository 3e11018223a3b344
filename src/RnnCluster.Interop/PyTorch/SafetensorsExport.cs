using RnnCluster.Core.Model;
using RnnCluster.Core.Text;
using RnnCluster.Interop.Safetensors;

namespace RnnCluster.Interop.PyTorch;

/// <summary>A model as a safetensors file in PyTorch's state_dict layout (<see cref="PyTorchLayout"/>), with <see cref="ExportMetadata"/>.</summary>
public static class SafetensorsExport
{
    public static SafetensorsFile Build(ModelDescription model, Vocabulary vocabulary, ReadOnlySpan<float> parameters, string runId, long step)
    {
        if (vocabulary.Count != model.VocabSize)
            throw new InteropException($"The vocabulary has {vocabulary.Count} tokens but the model predicts {model.VocabSize}.");
        return new SafetensorsFile(PyTorchLayout.ToStateDict(model, parameters), ExportMetadata.For(model, vocabulary, runId, step));
    }

    public static byte[] Serialize(ModelDescription model, Vocabulary vocabulary, ReadOnlySpan<float> parameters, string runId, long step) =>
        SafetensorsWriter.Serialize(Build(model, vocabulary, parameters, runId, step));
}
