using RnnCluster.Core.Model;
using RnnCluster.Core.Text;

namespace RnnCluster.Interop.PyTorch;

/// <summary>
/// What the user says about a file beyond its tensors: a vocabulary (when the file has none in its
/// metadata, or to replace it), the tokenizer kind and the cell. Each given value must agree with
/// the file's metadata and shapes.
/// </summary>
public sealed record ImportOptions(Vocabulary? Vocabulary = null, TokenizerKind? Tokens = null, CellKind? Cell = null);
