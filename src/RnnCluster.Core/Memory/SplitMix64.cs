using System.Runtime.CompilerServices;

namespace RnnCluster.Core.Memory;

/// <summary>
/// A small sequential generator (SplitMix64) for places where a stream is natural:
/// parameter initialisation, permutations, sampling. Seeded explicitly, never from the clock.
/// </summary>
public struct SplitMix64
{
    private ulong _state;

    public SplitMix64(ulong seed) => _state = seed;

    public ulong NextUInt64()
    {
        _state += 0x9E3779B97F4A7C15UL;
        return DeterministicRandom.Mix(_state);
    }

    public double NextDouble() => DeterministicRandom.ToUnitDouble(NextUInt64());

    public float NextFloat() => DeterministicRandom.ToUnitFloat(NextUInt64());

    /// <summary>Uniform integer in [0, bound) without modulo bias (Lemire's method).</summary>
    public int NextInt(int bound)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bound);
        ulong x = NextUInt64() >> 32;
        ulong m = x * (ulong)bound;
        uint low = (uint)m;
        if (low < (uint)bound)
        {
            uint threshold = (uint)(-bound) % (uint)bound;
            while (low < threshold)
            {
                x = NextUInt64() >> 32;
                m = x * (ulong)bound;
                low = (uint)m;
            }
        }
        return (int)(m >> 32);
    }
}
