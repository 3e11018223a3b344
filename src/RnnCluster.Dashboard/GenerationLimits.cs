namespace RnnCluster.Dashboard;

/// <summary>
/// Bounds on the page's text generation, so that it cannot stall training on the same machine:
/// each request runs on a thread of its own (never the thread pool, which carries Akka's
/// heartbeats), at most <paramref name="MaxConcurrent"/> at once (more answer 429).
/// </summary>
/// <param name="MaxLength">Tokens one request may generate (more answer 400).</param>
/// <param name="MaxPrimeChars">Characters of priming text (more answer 413).</param>
/// <param name="MaxConcurrent">Generations running at once (0 turns generation off).</param>
/// <param name="MaxTopK">Largest top-k accepted (0 = all tokens).</param>
public sealed record GenerationLimits(int MaxLength = 2000, int MaxPrimeChars = 4000, int MaxConcurrent = 2, int MaxTopK = 1000)
{
    public static readonly GenerationLimits Default = new();
}
