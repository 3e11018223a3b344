using RnnCluster.Core.Memory;

namespace RnnCluster.Core.Model;

/// <summary>
/// Identifies the random draws of one micro-batch: masks are a pure function of
/// (run seed, step, micro-batch, layer, element), so any worker reproduces them exactly.
/// </summary>
public readonly record struct DropoutKey(ulong Seed, long Step, int MicroBatch)
{
    public ulong ForLayer(int layer) => DeterministicRandom.Hash(Seed ^ 0xD50F_0A7C_E5EEDUL, (ulong)Step, (ulong)MicroBatch, (ulong)layer);
}

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
