using RnnCluster.Core.Model;

namespace RnnCluster.Core.Checkpoints;

/// <summary>A validated header and the layout built while validating it, so the reader checks the parameters without building it again.</summary>
internal sealed record ParsedHeader(CheckpointHeader Header, ParameterLayout Layout);
