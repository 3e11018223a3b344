using RnnCluster.Core.Checkpoints;
using RnnCluster.Interop.Onnx;
using RnnCluster.Interop.PyTorch;

namespace RnnCluster.Interop;

/// <summary>
/// The formats `checkpoints export` writes, for every caller (the CLI, the dashboard's download):
/// raw (little-endian float32 in parameter order, or with <c>full</c> the whole checkpoint file),
/// safetensors (PyTorch state_dict layout) or onnx (opset 17).
/// </summary>
public static class CheckpointExport
{
    public static readonly IReadOnlyList<string> Formats = ["raw", "safetensors", "onnx"];

    /// <summary>Why the combination cannot be exported (for a usage error), or null.</summary>
    public static string? Problem(string format, bool full) =>
        !Formats.Contains(format) ? $"the format must be raw, safetensors or onnx, not '{format}'"
        : full && format != "raw" ? "the whole checkpoint file is our own format; it goes with the raw format only"
        : null;

    /// <summary>
    /// Writes the export to <paramref name="output"/>. Safetensors and ONNX are built in memory
    /// first: a refusal (an unsupported model) throws <see cref="InteropException"/> before a byte is written.
    /// </summary>
    public static void Write(Stream output, Checkpoint c, string format, bool full = false)
    {
        byte[]? bytes = format switch
        {
            "safetensors" => SafetensorsExport.Serialize(c.Model, c.Vocabulary, c.Parameters, c.RunId, c.Step),
            "onnx" => OnnxExport.Serialize(c.Model, c.Vocabulary, c.Parameters, c.RunId, c.Step),
            _ => null,
        };
        if (bytes is not null)
            output.Write(bytes);
        else if (full)
            CheckpointFormat.WriteTo(output, c);
        else
            CheckpointFormat.WriteRawParameters(output, c.Parameters);
    }

    /// <summary>The file name a download suggests: RUN-stepSTEP.{bin,ckpt,safetensors,onnx}.</summary>
    public static string FileName(string runId, long step, string format, bool full) =>
        $"{runId}-step{step}.{(format == "raw" ? (full ? "ckpt" : "bin") : format)}";
}
