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
