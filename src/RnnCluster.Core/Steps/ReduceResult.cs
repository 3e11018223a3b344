using System.Runtime.CompilerServices;
using RnnCluster.Core.Kernels;
using RnnCluster.Core.Memory;

namespace RnnCluster.Core.Steps;

/// <summary>What <see cref="TreeReducer.Add(TreeNode, int, ReadOnlySpan{float})"/> did with each part of a message.</summary>
/// <param name="Added">Parts summed in.</param>
/// <param name="Duplicates">Parts whose micro-batches were all already there (a re-sent share: same bytes, ignored).</param>
/// <param name="Overlaps">Parts whose micro-batches were partly there: they cannot be summed without counting some twice, so they were refused.</param>
/// <param name="AddedFirstPart">The part at offset 0 was summed in: the message's loss counts (it travels with that part).</param>
public readonly record struct ReduceResult(int Added, int Duplicates, int Overlaps, bool AddedFirstPart);
