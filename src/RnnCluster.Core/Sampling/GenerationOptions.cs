using RnnCluster.Core.Memory;
using RnnCluster.Core.Model;
using RnnCluster.Core.Text;

namespace RnnCluster.Core.Sampling;

/// <summary>Options of one generated sample.</summary>
public sealed record GenerationOptions(int Length = 300, float Temperature = 0.8f, int TopK = 0, string Prime = "", ulong Seed = 1);
