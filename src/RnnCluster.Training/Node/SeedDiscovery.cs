using Akka.Actor;

namespace RnnCluster.Training.Node;

/// <summary>
/// Decides when the pods seen by discovery are a seed list worth joining: at least the required
/// number, unchanged for the stable margin (a deployment's pods appear one by one). The list is
/// sorted the same way on every pod, so that they agree on which one comes first; Akka lets only
/// the first seed form a new cluster, and only after no other seed answered with an existing one,
/// so a pod that appears later with a lower address joins the running cluster instead.
/// </summary>
public sealed class SeedDiscovery(Address self, int requiredContactPoints, TimeSpan stableMargin)
{
    private IReadOnlyList<Address> _seen = [];
    private DateTime _seenSince;

    /// <summary>
    /// One discovery result at <paramref name="now"/>; returns the seed nodes to join once the set
    /// is large enough and has been stable for the margin, else null (look again later).
    /// </summary>
    public IReadOnlyList<Address>? Observe(IEnumerable<Address> found, DateTime now)
    {
        var seeds = found.Distinct().OrderBy(a => a.ToString(), StringComparer.Ordinal).ToList();
        if (!seeds.SequenceEqual(_seen))
        {
            _seen = seeds;
            _seenSince = now;
        }
        bool includesSelf = seeds.Contains(self);
        // A pod not (yet) listed counts itself: it is there, the API's view may be behind.
        int count = seeds.Count + (includesSelf ? 0 : 1);
        if (count < requiredContactPoints || now - _seenSince < stableMargin)
            return null;
        return seeds.Count == 0 ? [self] : seeds;
    }
}
