namespace RnnCluster.Core.Data;

/// <summary>
/// A scoring window over a token array, run from zero state: inputs are tokens[Start .. Start + Length),
/// targets are tokens[Start + 1 .. Start + Length + 1). Length is at most T; only the last window is shorter.
/// </summary>
public readonly record struct EvaluationWindow(int Start, int Length)
{
    /// <summary>
    /// Non-overlapping windows whose targets are tokens 1..length-1 of an array, each exactly
    /// once, so a loss averaged over them weighs every scored token equally. Token 0 is context only.
    /// </summary>
    public static EvaluationWindow[] Cover(int length, int seqLen)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(seqLen);
        int targets = Math.Max(0, length - 1);
        var windows = new EvaluationWindow[(targets + seqLen - 1) / seqLen];
        for (int k = 0; k < windows.Length; k++)
        {
            int start = k * seqLen;
            windows[k] = new EvaluationWindow(start, Math.Min(seqLen, targets - start));
        }
        return windows;
    }
}
