using System.Runtime.InteropServices;
using MessagePack;
using RnnCluster.Core.Model;
using RnnCluster.Core.Optim;
using RnnCluster.Core.Text;

namespace RnnCluster.Training.Wire;

/// <summary>Wire form of <see cref="Vocabulary"/>.</summary>
[MessagePackObject]
public sealed record VocabularyWire(
    [property: Key(0)] int Kind,
    [property: Key(1)] string[] Tokens,
    [property: Key(2)] int UnknownId)
{
    public static VocabularyWire From(Vocabulary v) => new((int)v.Kind, v.Tokens.ToArray(), v.UnknownId);

    public Vocabulary ToVocabulary() => new((TokenizerKind)Kind, Tokens, UnknownId);
}
