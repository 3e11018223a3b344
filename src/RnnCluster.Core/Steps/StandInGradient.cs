namespace RnnCluster.Core.Steps;

/// <summary>
/// The benchmark's stand-in for a micro-batch's gradient (<see cref="ShareComputer.StandIn"/>): a
/// pure function of (step, micro-batch, index), small enough that Adam keeps the parameters finite,
/// different in every element so that nothing downstream can shortcut it.
///   g_i = (h(step, m, i) mod 2¹⁶ − 2¹⁵) · 2⁻³⁰, h a 64-bit mix (SplitMix64's finaliser)
/// </summary>
public static class StandInGradient
{
    public static void Fill(Span<float> gradient, long step, int microBatch)
    {
        ulong seed = (ulong)step * 0x9E3779B97F4A7C15UL ^ (ulong)microBatch * 0xBF58476D1CE4E5B9UL;
        for (int i = 0; i < gradient.Length; i++)
        {
            ulong z = seed + (ulong)i * 0x94D049BB133111EBUL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            z ^= z >> 31;
            gradient[i] = ((int)(z & 0xFFFF) - 32768) * (1f / (1 << 30));
        }
    }
}
