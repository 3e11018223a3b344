using System.Runtime.CompilerServices;

namespace RnnCluster.Core.Memory;

/// <summary>
/// Counter-based randomness: every random number is a pure function of a key (seed and
/// coordinates such as step, micro-batch, layer, element). No hidden state means a worker
/// on any machine, computing any subset of the work in any order, draws the same numbers.
/// </summary>
public static class DeterministicRandom
{
    /// <summary>SplitMix64 finaliser: a bijective mix with full avalanche.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Hash(ulong a, ulong b) => Mix(Mix(a + 0x9E3779B97F4A7C15UL) ^ (b * 0xD6E8FEB86659FD93UL));

    public static ulong Hash(ulong a, ulong b, ulong c) => Hash(Hash(a, b), c);

    public static ulong Hash(ulong a, ulong b, ulong c, ulong d) => Hash(Hash(Hash(a, b), c), d);

    /// <summary>A float uniformly distributed in [0, 1) from the top 24 bits of a hash.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ToUnitFloat(ulong bits) => (bits >> 40) * (1.0f / (1 << 24));

    /// <summary>A double uniformly distributed in [0, 1) from the top 53 bits of a hash.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double ToUnitDouble(ulong bits) => (bits >> 11) * (1.0 / (1UL << 53));
}
