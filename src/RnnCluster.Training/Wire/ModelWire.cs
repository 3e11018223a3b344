using System.Runtime.InteropServices;
using MessagePack;
using RnnCluster.Core.Model;
using RnnCluster.Core.Optim;
using RnnCluster.Core.Text;

namespace RnnCluster.Training.Wire;

/// <summary>Wire form of <see cref="ModelDescription"/>.</summary>
[MessagePackObject]
public sealed record ModelWire(
    [property: Key(0)] int Cell,
    [property: Key(1)] int VocabSize,
    [property: Key(2)] int Embed,
    [property: Key(3)] int Hidden,
    [property: Key(4)] int Layers,
    [property: Key(5)] float Dropout,
    [property: Key(6)] int LayoutVersion,
    [property: Key(7)] int[] Cutoffs)
{
    /// <summary>Empty: the full softmax; otherwise the adaptive softmax's cutoffs.</summary>
    public static ModelWire From(ModelDescription d) =>
        new((int)d.Cell, d.VocabSize, d.Embed, d.Hidden, d.Layers, d.Dropout, ModelDescription.LayoutVersion, [.. d.Softmax.Cutoffs]);

    public ModelDescription ToModel()
    {
        if (LayoutVersion != ModelDescription.LayoutVersion)
            throw new InvalidDataException($"Parameter layout version {LayoutVersion}, this build uses {ModelDescription.LayoutVersion}.");
        var d = new ModelDescription((CellKind)Cell, VocabSize, Embed, Hidden, Layers, Dropout)
        {
            Softmax = Cutoffs is { Length: > 0 } ? SoftmaxHead.Adaptive(Cutoffs) : SoftmaxHead.Full,
        };
        d.Validate();
        return d;
    }
}
