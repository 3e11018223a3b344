namespace RnnCluster.Training.ParameterServer;

/// <summary>One sub-tree [<paramref name="Lo"/>, <paramref name="Hi"/>) of an applied step and the worker that computed it.</summary>
public readonly record struct LedgerEntry(int Lo, int Hi, string Worker);
