using RnnCluster.Core.Data;
using RnnCluster.Core.Memory;
using RnnCluster.Core.Model;
using RnnCluster.Core.Text;

namespace RnnCluster.Core.Steps;

/// <summary>How well a model learned the embedded Reber grammar.</summary>
/// <param name="PositionAccuracy">Share of positions whose predicted symbol set (probability above the threshold) equals the legal set.</param>
/// <param name="StringsSolved">Share of strings where every position is right (Hochreiter &amp; Schmidhuber's criterion).</param>
/// <param name="LongRangeAccuracy">Share of strings whose second-to-last symbol (which must repeat the second) is predicted alone.</param>
public sealed record ReberScore(double PositionAccuracy, double StringsSolved, double LongRangeAccuracy, int Strings)
{
    public override string ToString() =>
        $"reber: {StringsSolved:P1} of {Strings} held-out strings fully predicted, {PositionAccuracy:P2} of positions, long-range symbol right in {LongRangeAccuracy:P1}";
}
