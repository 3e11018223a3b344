using RnnCluster.Core.Memory;

namespace RnnCluster.Core.Data;

/// <summary>
/// The data contract of distributed training: which corpus windows a micro-batch reads is a
/// pure function of (seed, step, micro-batch), so any worker can compute its share of any step
/// without coordination, and a resumed or re-assigned step reads exactly the same tokens.
/// <para>
/// A corpus of N tokens holds W = (N - 1) / T windows; window w starts at w·T and spans T + 1
/// tokens (T inputs, each followed by its target). Global sequence index j is position
/// p = j mod W of epoch e = j / W and reads window perm_e[p], where perm_e is a Fisher–Yates
/// shuffle of 0..W-1 driven by <c>SplitMix64(DeterministicRandom.Hash(seed, e))</c>. Step s
/// with global batch B reads indices s·B .. s·B + B - 1, and micro-batch m of M reads the
/// b = B / M indices from s·B + m·b. Every window is thus used exactly once per epoch, and an
/// epoch boundary may fall inside a step (its batch then mixes the end of one epoch with the
/// start of the next).
/// </para>
/// <para>
/// Not thread-safe: an instance caches the permutations of the epochs it last used. Give each
/// thread its own instance; equal arguments give equal results on every instance.
/// </para>
/// </summary>
public sealed class WindowSampler
{
    // Two slots, so a step that straddles an epoch boundary does not reshuffle back and forth.
    private readonly long[] _cachedEpoch = [-1, -1];
    private readonly int[]?[] _cachedPermutation = new int[]?[2];
    private int _lastSlot;

    public WindowSampler(int corpusLength, int seqLen, ulong seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(seqLen);
        if (corpusLength < (long)seqLen + 1)
            throw new ArgumentException(
                $"A corpus of {corpusLength} tokens holds no training window: sequence length {seqLen} needs at least {(long)seqLen + 1} tokens.",
                nameof(corpusLength));
        CorpusLength = corpusLength;
        SeqLen = seqLen;
        Seed = seed;
        WindowCount = (corpusLength - 1) / seqLen;
    }

    public int CorpusLength { get; }

    public int SeqLen { get; }

    public ulong Seed { get; }

    /// <summary>W: windows per epoch. The last (N - 1) mod T tokens are never a target (at most T - 1 of them).</summary>
    public int WindowCount { get; }

    public int EpochOf(long sequenceIndex)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sequenceIndex);
        return checked((int)(sequenceIndex / WindowCount));
    }

    /// <summary>The window (0..W-1) read by a global sequence index.</summary>
    public int WindowOf(long sequenceIndex)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sequenceIndex);
        long epoch = sequenceIndex / WindowCount;
        return Permutation(epoch)[(int)(sequenceIndex % WindowCount)];
    }

    /// <summary>Corpus offset of the first input token of a global sequence index's window.</summary>
    public int Offset(long sequenceIndex) => WindowOf(sequenceIndex) * SeqLen;

    /// <summary>Epochs of data consumed once steps 0..step-1 are done (the progress at the start of <paramref name="step"/>).</summary>
    public double EpochProgress(long step, int batch)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batch);
        return (double)step * batch / WindowCount;
    }

    /// <summary>Window offsets of all B sequences of a step, in sequence-index order.</summary>
    public void StepOffsets(long step, int batch, Span<int> offsets)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batch);
        if (offsets.Length != batch)
            throw new ArgumentException($"Expected room for {batch} offsets, got {offsets.Length}.", nameof(offsets));
        Fill(checked(step * batch), offsets);
    }

    /// <summary>Window offsets of micro-batch <paramref name="microBatch"/>: the slice [m·b, m·b + b) of the step's offsets.</summary>
    public void MicroBatchOffsets(long step, int microBatch, int batch, int microBatches, Span<int> offsets)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batch);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(microBatches);
        if (batch % microBatches != 0)
            throw new ArgumentException($"The batch ({batch}) must split evenly into {microBatches} micro-batches.", nameof(microBatches));
        if ((uint)microBatch >= (uint)microBatches)
            throw new ArgumentOutOfRangeException(nameof(microBatch), microBatch, $"Micro-batch index must be in 0..{microBatches - 1}.");
        int size = batch / microBatches;
        if (offsets.Length != size)
            throw new ArgumentException($"Expected room for {size} offsets (batch {batch} / {microBatches} micro-batches), got {offsets.Length}.", nameof(offsets));
        Fill(checked(step * batch + (long)microBatch * size), offsets);
    }

    /// <summary>
    /// Gathers the (T, b) input and target matrices, time-major so that step t of all b
    /// sequences is contiguous: inputs[t·b + i] = corpus[offsets[i] + t], targets[t·b + i] = corpus[offsets[i] + t + 1].
    /// </summary>
    public static void FillBatch(ReadOnlySpan<int> corpus, ReadOnlySpan<int> offsets, int seqLen, Span<int> inputs, Span<int> targets)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(seqLen);
        int b = offsets.Length;
        long size = (long)seqLen * b;
        if (inputs.Length != size || targets.Length != size)
            throw new ArgumentException($"Inputs and targets must each hold {seqLen} x {b} = {size} tokens (got {inputs.Length} and {targets.Length}).");
        for (int i = 0; i < b; i++)
        {
            int offset = offsets[i];
            if (offset < 0 || (long)offset + seqLen >= corpus.Length)
                throw new ArgumentOutOfRangeException(nameof(offsets), offset,
                    $"Window {i} at offset {offset} needs tokens up to {(long)offset + seqLen}, beyond the corpus of {corpus.Length}.");
            ReadOnlySpan<int> window = corpus.Slice(offset, seqLen + 1);
            for (int t = 0; t < seqLen; t++)
            {
                inputs[t * b + i] = window[t];
                targets[t * b + i] = window[t + 1];
            }
        }
    }

    private void Fill(long firstSequence, Span<int> offsets)
    {
        long epoch = firstSequence / WindowCount;
        int position = (int)(firstSequence % WindowCount);
        int[] permutation = Permutation(epoch);
        for (int i = 0; i < offsets.Length; i++)
        {
            if (position == WindowCount)
            {
                permutation = Permutation(++epoch);
                position = 0;
            }
            offsets[i] = permutation[position++] * SeqLen;
        }
    }

    private int[] Permutation(long epoch)
    {
        if (_cachedEpoch[_lastSlot] == epoch)
            return _cachedPermutation[_lastSlot]!;
        int other = 1 - _lastSlot;
        if (_cachedEpoch[other] != epoch)
        {
            // Overwrite the slot not used most recently; reuse its array when there is one.
            int[] permutation = _cachedPermutation[other] ?? new int[WindowCount];
            Shuffle(permutation, DeterministicRandom.Hash(Seed, (ulong)epoch));
            _cachedPermutation[other] = permutation;
            _cachedEpoch[other] = epoch;
        }
        _lastSlot = other;
        return _cachedPermutation[other]!;
    }

    /// <summary>Fisher–Yates from the top, with unbiased indices; part of the contract, so never change it.</summary>
    internal static void Shuffle(int[] permutation, ulong seed)
    {
        for (int i = 0; i < permutation.Length; i++)
            permutation[i] = i;
        var rng = new SplitMix64(seed);
        for (int i = permutation.Length - 1; i > 0; i--)
        {
            int j = rng.NextInt(i + 1);
            (permutation[i], permutation[j]) = (permutation[j], permutation[i]);
        }
    }
}
