namespace RnnCluster.Core.Data;

/// <summary>
/// Holds out the tail of a token array for validation. A contiguous tail (rather than random
/// windows) keeps validation text out of every training window, so the score measures
/// generalisation and not memorised overlap.
/// </summary>
public sealed class TrainValidationSplit
{
    public const double DefaultValidationFraction = 0.1;

    private readonly int[] _tokens;

    private TrainValidationSplit(int[] tokens, int trainCount)
    {
        _tokens = tokens;
        TrainCount = trainCount;
    }

    /// <summary>The first TrainCount tokens train; the last floor(N · fraction) validate.</summary>
    public int TrainCount { get; }

    public int ValidationCount => _tokens.Length - TrainCount;

    public ReadOnlyMemory<int> Train => _tokens.AsMemory(0, TrainCount);

    public ReadOnlyMemory<int> Validation => _tokens.AsMemory(TrainCount);

    /// <summary>
    /// The last training token followed by the validation tokens: the array to evaluate on, so
    /// that the first validation token is scored too (predicted from the token before it).
    /// Empty when there is no validation split.
    /// </summary>
    public ReadOnlyMemory<int> ValidationWithContext => ValidationCount == 0 ? ReadOnlyMemory<int>.Empty : _tokens.AsMemory(TrainCount - 1);

    /// <summary>Splits without copying; <paramref name="tokens"/> must not change afterwards.</summary>
    public static TrainValidationSplit Create(int[] tokens, double validationFraction = DefaultValidationFraction)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        if (!(validationFraction >= 0.0 && validationFraction < 1.0))
            throw new ArgumentOutOfRangeException(nameof(validationFraction), validationFraction, "The validation fraction must be in [0, 1).");
        // The epsilon keeps 0.1 · 1000 at 100 despite 0.1 being stored slightly above a tenth.
        int validation = (int)Math.Floor(tokens.Length * validationFraction + 1e-9);
        validation = Math.Min(validation, Math.Max(0, tokens.Length - 1)); // keep one training token as context
        return new TrainValidationSplit(tokens, tokens.Length - validation);
    }

    /// <summary>
    /// Windows over <see cref="ValidationWithContext"/> that score every validation token exactly once.
    /// </summary>
    public EvaluationWindow[] ValidationWindows(int seqLen) => EvaluationWindow.Cover(ValidationWithContext.Length, seqLen);
}
