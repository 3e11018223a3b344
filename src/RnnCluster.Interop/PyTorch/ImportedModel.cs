using RnnCluster.Core.Model;
using RnnCluster.Core.Text;

namespace RnnCluster.Interop.PyTorch;

/// <summary>
/// Weights read from another runtime, in our flat parameter order, with the vocabulary they
/// predict. <see cref="RunId"/> and <see cref="Step"/> come from the metadata of an RnnCluster
/// export (null and 0 for a file from elsewhere).
/// </summary>
public sealed record ImportedModel(ModelDescription Model, Vocabulary Vocabulary, float[] Parameters, string? RunId, long Step);
