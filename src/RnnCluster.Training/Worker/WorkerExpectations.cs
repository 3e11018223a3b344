using RnnCluster.Core.Model;
using RnnCluster.Training.Wire;

namespace RnnCluster.Training.Worker;

/// <summary>
/// What a worker node was told to expect (its own model options and corpus, when given): a
/// welcome to a run that differs is refused, so a node configured for another model or another
/// text never trains on the wrong thing silently.
/// </summary>
public sealed record WorkerExpectations(CellKind? Cell = null, int? Embed = null, int? Hidden = null, int? Layers = null, float? Dropout = null, string? CorpusHash = null)
{
    public static readonly WorkerExpectations None = new();

    public string? Difference(RunDefinition run)
    {
        var model = run.Model;
        if (Cell is { } cell && (int)cell != model.Cell) return $"model differs (cell {(CellKind)model.Cell} vs {cell} on this node)";
        if (Embed is { } embed && embed != model.Embed) return $"model differs (embed {model.Embed} vs {embed} on this node)";
        if (Hidden is { } hidden && hidden != model.Hidden) return $"model differs (hidden {model.Hidden} vs {hidden} on this node)";
        if (Layers is { } layers && layers != model.Layers) return $"model differs (layers {model.Layers} vs {layers} on this node)";
        if (Dropout is { } dropout && dropout != model.Dropout) return $"model differs (dropout {model.Dropout} vs {dropout} on this node)";
        if (CorpusHash is { } hash && hash != run.CorpusHash) return $"corpus differs (hash {run.CorpusHash[..12]}… vs {hash[..12]}… on this node)";
        return null;
    }
}
