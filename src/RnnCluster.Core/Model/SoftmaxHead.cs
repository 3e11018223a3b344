using System.Globalization;

namespace RnnCluster.Core.Model;

/// <summary>
/// How the output layer turns the top hidden state into a distribution over the V tokens:
/// the full softmax (no cutoffs), or the adaptive softmax of Grave et al. 2017 (PyTorch's
/// <c>nn.AdaptiveLogSoftmaxWithLoss</c>, div_value 4, head bias on). With cutoffs c₀ &lt; … &lt; c_{K−1}
/// the head scores the shortlist [0, c₀) and one entry per cluster; cluster i holds the tokens
/// [cᵢ, cᵢ₊₁) (the last one up to V) behind a projection to H / 4^(i+1) values, so
///   log p(t) = log softmax(head)[t]                                   for t &lt; c₀
///   log p(t) = log softmax(head)[c₀ + i] + log softmax(tailᵢ)[t − cᵢ]  for t in cluster i.
/// Token ids must be sorted by falling frequency (the word vocabulary is).
/// </summary>
public sealed class SoftmaxHead : IEquatable<SoftmaxHead>
{
    /// <summary>Each cluster's projection is this many times narrower than the previous one's input.</summary>
    public const int ProjectionDivisor = 4;

    private readonly int[] _cutoffs;

    private SoftmaxHead(int[] cutoffs) => _cutoffs = cutoffs;

    public static SoftmaxHead Full { get; } = new([]);

    /// <summary>An adaptive head; check it with <see cref="Problem"/> against the model's sizes.</summary>
    public static SoftmaxHead Adaptive(IEnumerable<int> cutoffs)
    {
        var c = cutoffs.ToArray();
        if (c.Length == 0)
            throw new ArgumentException("An adaptive softmax needs at least one cutoff.", nameof(cutoffs));
        return new SoftmaxHead(c);
    }

    /// <summary>
    /// The cutoffs when none are given: 10% and 40% of the vocabulary (1000,4000 for 10,000). Word ids go
    /// by frequency, so the head holds the most frequent tenth; measured against 20%/60% on tinyshakespeare
    /// it trains 1.2× faster to within 0.3% of its validation loss (docs/decisions/0023-adaptive-softmax-defaults.md).
    /// </summary>
    public static int[] DefaultCutoffs(int vocab)
    {
        int first = Math.Max(1, vocab / 10), second = Math.Max(first + 1, vocab * 2 / 5);
        return second < vocab ? [first, second] : [first];
    }

    public IReadOnlyList<int> Cutoffs => _cutoffs;

    public bool IsAdaptive => _cutoffs.Length > 0;

    /// <summary>Tail clusters (0 for the full softmax).</summary>
    public int Clusters => _cutoffs.Length;

    /// <summary>Tokens the head scores directly.</summary>
    public int Shortlist(int vocab) => IsAdaptive ? _cutoffs[0] : vocab;

    /// <summary>Width of the head's output: the shortlist plus one entry per cluster.</summary>
    public int HeadSize(int vocab) => Shortlist(vocab) + _cutoffs.Length;

    public int ClusterStart(int cluster) => _cutoffs[cluster];

    public int ClusterEnd(int cluster, int vocab) => cluster + 1 < _cutoffs.Length ? _cutoffs[cluster + 1] : vocab;

    /// <summary>H / 4^(i+1), rounded down, as PyTorch sizes its tail projections.</summary>
    public static int ProjectionSize(int hidden, int cluster)
    {
        long divisor = 1;
        for (int i = 0; i <= cluster && divisor <= hidden; i++)
            divisor *= ProjectionDivisor;
        return (int)(hidden / divisor);
    }

    /// <summary>The cluster of token <paramref name="token"/>, or −1 for the shortlist.</summary>
    public int ClusterOf(int token)
    {
        int c = -1;
        while (c + 1 < _cutoffs.Length && token >= _cutoffs[c + 1])
            c++;
        return c;
    }

    /// <summary>Why these cutoffs do not fit a model of this size, or null when they do.</summary>
    public string? Problem(int vocab, int hidden)
    {
        if (!IsAdaptive)
            return null;
        int previous = 0;
        foreach (int c in _cutoffs)
        {
            if (c <= previous || c >= vocab)
                return $"adaptive softmax cutoffs must rise strictly, each above 0 and below the vocabulary size {vocab}, not {Describe()}";
            previous = c;
        }
        if (ProjectionSize(hidden, _cutoffs.Length - 1) < 1)
            return $"adaptive softmax with {_cutoffs.Length} clusters needs hidden ≥ {Math.Pow(ProjectionDivisor, _cutoffs.Length)} (each cluster's projection is {ProjectionDivisor}× narrower), not {hidden}";
        return null;
    }

    /// <summary>"full" or "adaptive(2000,6000)".</summary>
    public string Describe() =>
        IsAdaptive ? $"adaptive({string.Join(",", _cutoffs.Select(c => c.ToString(CultureInfo.InvariantCulture)))})" : "full";

    public override string ToString() => Describe();

    public bool Equals(SoftmaxHead? other) => other is not null && _cutoffs.AsSpan().SequenceEqual(other._cutoffs);

    public override bool Equals(object? obj) => Equals(obj as SoftmaxHead);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (int c in _cutoffs)
            hash.Add(c);
        return hash.ToHashCode();
    }
}
