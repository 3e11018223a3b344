using RnnCluster.Core.Memory;

namespace RnnCluster.Core.Model;

/// <summary>Inverted dropout: keep with probability 1 − p and scale kept values by 1 / (1 − p).</summary>
public static class DropoutMask
{
    public static void Fill(ulong layerKey, float p, Span<float> mask)
    {
        if (!(p >= 0f && p < 1f))
            throw new ArgumentOutOfRangeException(nameof(p), p, "Dropout must be in [0, 1).");
        float keep = 1f / (1f - p);
        for (int i = 0; i < mask.Length; i++)
            mask[i] = DeterministicRandom.ToUnitFloat(DeterministicRandom.Hash(layerKey, (ulong)i)) < p ? 0f : keep;
    }
}
