using System.Buffers;
using RnnCluster.Core.Memory;

namespace RnnCluster.Core.Sampling;

/// <summary>
/// Draws the next token from output logits. Everything is computed in double from one uniform
/// draw, so a seed fixes the generated text on every machine.
/// </summary>
public static class TokenSampler
{
    /// <summary>
    /// Samples from softmax(logits / temperature) restricted to the <paramref name="topK"/>
    /// largest logits (0 = all; ties at the cut keep the lower ids). Temperature 0 is greedy: the
    /// arg-max (lowest id on ties), without drawing from <paramref name="rng"/>. Logits may be
    /// -infinity (never sampled) but not NaN or +infinity.
    /// </summary>
    public static int Sample(ReadOnlySpan<float> logits, float temperature, int topK, ref SplitMix64 rng)
    {
        if (logits.IsEmpty)
            throw new ArgumentException("There are no logits to sample from.", nameof(logits));
        if (!(temperature >= 0f) || float.IsPositiveInfinity(temperature))
            throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "Temperature must be finite and > 0 (or 0 for greedy).");
        ArgumentOutOfRangeException.ThrowIfNegative(topK);

        int best = 0;
        for (int i = 0; i < logits.Length; i++)
        {
            float l = logits[i];
            if (float.IsNaN(l) || float.IsPositiveInfinity(l))
                throw new ArgumentException($"Logit {i} is {l}; the model output is not finite.", nameof(logits));
            if (l > logits[best])
                best = i;
        }
        if (float.IsNegativeInfinity(logits[best]))
            throw new ArgumentException("Every logit is -infinity; no token can be sampled.", nameof(logits));
        if (temperature == 0f || topK == 1)
            return best;

        double threshold = topK == 0 || topK >= logits.Length ? double.NegativeInfinity : KthLargest(logits, topK);
        // Entries equal to the threshold are admitted in id order until k entries are in.
        int ties = topK == 0 || topK >= logits.Length ? int.MaxValue : topK - CountAbove(logits, threshold);

        double max = logits[best];
        double inverseTemperature = 1.0 / temperature;
        double total = 0.0;
        for (int i = 0, tiesLeft = ties; i < logits.Length; i++)
        {
            if (Admitted(logits[i], threshold, ref tiesLeft))
                total += Math.Exp((logits[i] - max) * inverseTemperature);
        }

        double u = rng.NextDouble() * total;
        double cumulative = 0.0;
        int last = best;
        for (int i = 0, tiesLeft = ties; i < logits.Length; i++)
        {
            if (!Admitted(logits[i], threshold, ref tiesLeft))
                continue;
            double weight = Math.Exp((logits[i] - max) * inverseTemperature);
            if (weight == 0.0)
                continue;
            cumulative += weight;
            last = i;
            if (u < cumulative)
                return i;
        }
        return last; // u within rounding of the total
    }

    private static bool Admitted(float logit, double threshold, ref int tiesLeft)
    {
        if (logit > threshold)
            return true;
        if (logit == threshold && tiesLeft > 0)
        {
            tiesLeft--;
            return true;
        }
        return false;
    }

    private static int CountAbove(ReadOnlySpan<float> logits, double threshold)
    {
        int count = 0;
        foreach (float l in logits)
        {
            if (l > threshold)
                count++;
        }
        return count;
    }

    private static float KthLargest(ReadOnlySpan<float> logits, int k)
    {
        float[] sorted = ArrayPool<float>.Shared.Rent(logits.Length);
        try
        {
            Span<float> values = sorted.AsSpan(0, logits.Length);
            logits.CopyTo(values);
            values.Sort();
            return values[^k];
        }
        finally
        {
            ArrayPool<float>.Shared.Return(sorted);
        }
    }
}
