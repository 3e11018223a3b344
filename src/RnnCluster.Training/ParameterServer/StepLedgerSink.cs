namespace RnnCluster.Training.ParameterServer;

/// <summary>Where a <see cref="RunState{TWorker}"/> hands the ledger of each applied step (a <see cref="StepLedger"/> in a node).</summary>
public delegate void StepLedgerSink(string runId, long step, IReadOnlyList<LedgerEntry> entries);
