using System.Globalization;
using RnnCluster.Core.Kernels;

namespace RnnCluster.Benchmarks;

/// <summary>
/// One set of GEMM cache blocks (<see cref="GemmLayout"/>), written "KC,MC,WideKC,WideMC,NC".
/// The lstm benchmark's --blocks takes several, separated by ';', and runs them in turn step by
/// step, so a drift in the machine's speed hits every set alike.
/// </summary>
internal sealed record BlockSettings(int Kc, int Mc, int WideKc, int WideMc, int Nc)
{
    public static BlockSettings Current => new(GemmLayout.KC, GemmLayout.MC, GemmLayout.WideKC, GemmLayout.WideMC, GemmLayout.NC);

    public static List<BlockSettings> ParseList(string text) => text.Split(';', StringSplitOptions.RemoveEmptyEntries).Select(Parse).ToList();

    public static BlockSettings Parse(string text)
    {
        int[] v = text.Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        if (v.Length != 5 || v.Any(x => x < 8))
            throw new ArgumentException($"--blocks: \"{text}\" is not KC,MC,WideKC,WideMC,NC (each ≥ 8).");
        return new BlockSettings(v[0], v[1], v[2], v[3], v[4]);
    }

    public void Apply() => (GemmLayout.KC, GemmLayout.MC, GemmLayout.WideKC, GemmLayout.WideMC, GemmLayout.NC) = (Kc, Mc, WideKc, WideMc, Nc);

    public override string ToString() => $"KC={Kc} MC={Mc} WideKC={WideKc} WideMC={WideMc} NC={Nc}";
}
